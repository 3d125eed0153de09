// keisan MNIST example: --gradcheck, the model rebuilt in double and checked against finite
// differences, node by node and end to end (gradcheck_nodes).
// SPDX-License-Identifier: MIT
#include <cstdio>

#include "app.hpp"

namespace mnist_example {

/// Checks the float model's gradients in double on 8 training samples, each node's backward rule
/// alone and then end to end, and prints the report.
bool run_gradcheck(const Config& c, keisan::Sequential<float>& net, const keisan::Dataset<float>& train) {
  keisan::Rng rng(c.seed);
  auto net64 = make_net<double>(c, rng);
  auto p32 = net.parameters();
  auto p64 = net64.parameters();
  for (std::size_t i = 0; i < p32.size(); ++i) p64[i].parameter->value() = p32[i].parameter->value().cast<double>();
  const keisan::Matrix<double> x = train.features().topRows(8).cast<double>();
  const std::vector<int> labels(train.labels().begin(), train.labels().begin() + 8);
  keisan::GradcheckOptions opt;
  opt.max_elements_per_parameter = 200;
  const auto report = keisan::gradcheck_nodes<double>(
      [&](keisan::Graph<double>& g) { return keisan::softmax_cross_entropy(net64(g.input(x)), labels); }, p64, opt);
  std::printf("gradcheck (double, 8 samples, <= 200 elements per input and parameter):\n%s",
              report.to_string().c_str());
  std::printf("gradcheck: %s (%zu nodes checked alone; end-to-end max relative error %.2e)\n",
              report.passed() ? "passed" : "FAILED", report.nodes.size(), report.end_to_end.max_rel_error());
  return report.passed();
}

}  // namespace mnist_example
