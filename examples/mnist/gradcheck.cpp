// keisan MNIST example: --gradcheck, the model rebuilt in double and checked against finite
// differences, node by node and end to end (gradcheck_nodes).
// SPDX-License-Identifier: MIT
#include <cstdio>
#include <string>

#include "app.hpp"

namespace mnist_example {

/// Checks the float model's gradients in double, each node's backward rule alone and then end to
/// end, and prints the report: on 8 training samples and <= 200 elements per input and parameter
/// for the MLP, on 2 samples and <= 23 elements for the CNNs (a deep-cnn forward pass costs a
/// thousand MLP ones). The model is checked in training mode, as it trains: BatchNorm on the batch's
/// statistics, and Dropout with its masks, its engines reseeded before every forward pass so that
/// the finite differences see the same function each time. Biases that feed a BatchNorm are left
/// out of the end-to-end check (their gradient is zero by construction).
bool run_gradcheck(const Config& c, keisan::Sequential<float>& net, const Images& train) {
  keisan::Rng rng(c.seed);
  auto net64 = make_net<double>(c, rng);
  auto s32 = net.state();
  auto s64 = net64.state();
  for (std::size_t i = 0; i < s32.size(); ++i)
    if (s32[i].matrix != nullptr) *s64[i].matrix = s32[i].matrix->cast<double>();
  const bool cnn = c.model != "mlp";
  const keisan::Index samples = cnn ? 2 : 8;
  keisan::Matrix<float> x32;
  train.read_rows(0, samples, x32);
  const keisan::Matrix<double> x = x32.cast<double>();
  const std::vector<int> labels(train.labels().begin(), train.labels().begin() + samples);
  keisan::GradcheckOptions opt;
  opt.max_elements_per_parameter =
      cnn ? 23 : 200;  // 23: a stride no layer width divides (25 checked only row 0 of 4320x100)
  const auto dropouts = dropout_layers(net64);
  // A bias right before a BatchNorm has no gradient (the batch mean takes it out again): it is left
  // out of the end-to-end check, which would call its all-zero gradient inconclusive.
  keisan::ParameterList<double> params;
  for (const auto& p : net64.parameters()) {
    const std::size_t layer = std::stoul(p.name.substr(0, p.name.find('.')));
    const bool before_norm = p.name.substr(p.name.find('.')) == ".b" && layer + 1 < net64.size() &&
                             dynamic_cast<keisan::BatchNorm<double>*>(&net64[layer + 1]) != nullptr;
    if (!before_norm) params.push_back(p);
  }
  const auto report = keisan::gradcheck_nodes<double>(
      [&](keisan::Graph<double>& g) {
        for (std::size_t k = 0; k < dropouts.size(); ++k) dropouts[k]->rng().seed(dropout_seed(c, k));
        return keisan::softmax_cross_entropy(net64(g.input(x)), labels);
      },
      params, opt);
  std::printf("gradcheck (double, %lld samples, <= %lld elements per input and parameter):\n%s",
              static_cast<long long>(samples), static_cast<long long>(opt.max_elements_per_parameter),
              report.to_string().c_str());
  std::printf("gradcheck: %s (%zu nodes checked alone; end-to-end max relative error %.2e)\n",
              report.passed() ? "passed" : "FAILED", report.nodes.size(), report.end_to_end.max_rel_error());
  return report.passed();
}

}  // namespace mnist_example
