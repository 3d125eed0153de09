// keisan check: gradcheck_nodes, which checks every recorded node's backward rule on its own and
// names the first faulty node; then the end-to-end gradient, as gradcheck does.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "keisan/check/gradcheck.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/core/random.hpp"

namespace keisan {

/// What gradcheck_nodes found for one node with a backward rule.
struct NodeCheck {
  Index index = 0;                     ///< position on the tape
  std::string op;                      ///< the op's name
  std::string input_shapes;            ///< "4x3, 3x2, 1x2"
  std::vector<GradcheckEntry> inputs;  ///< one per input that needs a gradient, named "input k"

  /// failed if any input failed, else nondifferentiable if any sits on a kink, else passed.
  /// (An input whose vector-Jacobian product is all zeros, say a ReLU with every input < 0, is
  /// inconclusive on its own and does not fail the node.)
  [[nodiscard]] GradcheckEntry::Status status() const noexcept {
    bool kink = false;
    for (const auto& e : inputs) {
      if (e.status == GradcheckEntry::Status::failed) return GradcheckEntry::Status::failed;
      kink = kink || e.status == GradcheckEntry::Status::nondifferentiable;
    }
    return kink ? GradcheckEntry::Status::nondifferentiable : GradcheckEntry::Status::passed;
  }

  /// "node 5 'sigmoid' (input shapes 4x2)"
  [[nodiscard]] std::string name() const {
    return "node " + std::to_string(index) + " '" + op + "' (input shapes " + input_shapes + ")";
  }
};

/// The node-by-node check and the end-to-end one.
struct NodeGradcheckReport {
  std::vector<NodeCheck> nodes;  ///< every node that has a backward rule, in tape order
  GradcheckReport end_to_end;    ///< gradcheck() of the loss with respect to the parameters

  /// The first node (in tape order) whose backward rule disagrees with finite differences of its
  /// own forward rule; null when every rule is right.
  [[nodiscard]] const NodeCheck* first_failure() const noexcept {
    for (const auto& n : nodes)
      if (n.status() == GradcheckEntry::Status::failed) return &n;
    return nullptr;
  }

  /// Every node's rule and the end-to-end gradient are right (kinks flagged, not failed).
  [[nodiscard]] bool passed() const noexcept { return first_failure() == nullptr && end_to_end.passed(); }

  /// The verdict first, then one block per node and the end-to-end table.
  [[nodiscard]] std::string to_string() const {
    const NodeCheck* bad = first_failure();
    std::string s = bad != nullptr ? "first faulty node: " + bad->name() + "\n"
                    : passed()     ? "every node's backward rule and the end-to-end gradient agree\n"
                                   : "every node's backward rule agrees, but the end-to-end check does not pass\n";
    for (const auto& n : nodes) {
      s += n.name() + "\n";
      for (const auto& e : n.inputs) s += "  " + GradcheckReport::line(e) + "\n";
    }
    return s + "end to end:\n" + end_to_end.to_string();
  }
};

namespace detail {

/// Re-records node `src` of some graph on `local`, with `in` as its inputs and all of its saved
/// state copied (matrices, integers, scalars: a random mask drawn at record time replays as is).
template <class Scalar>
Var<Scalar> replay(Graph<Scalar>& local, const Node<Scalar>& src, const std::vector<Var<Scalar>>& in) {
  return local.record(src.op, in.data(), in.size(), src.forward, src.backward, [&src](Node<Scalar>& n) {
    n.ints = src.ints;
    n.scalars = src.scalars;
    for (std::size_t k = 0; k < src.num_saved(); ++k) n.saved(k) = src.saved(k);
  });
}

/// Checks one node's backward rule: for a random probe u shaped like its output, the rule's
/// vector-Jacobian product u^T J against finite differences of <u, forward(inputs)>, input by input.
/// Every input's gradient already holds a random matrix G when the rule runs, and the rule's
/// contribution is read as (gradient after) - G: a rule that overwrites its input's gradient
/// instead of adding to it fails here, as it would in a graph where the input has two consumers.
template <class Scalar>
NodeCheck check_node(const Graph<Scalar>& graph, const Node<Scalar>& src, Rng& rng, const GradcheckOptions& options) {
  NodeCheck check;
  check.index = src.index;
  check.op = src.op;
  const auto random_like = [&rng](Index rows, Index cols) {
    Matrix<Scalar> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(standard_normal(rng));
    return m;
  };
  // The node's inputs, copied: as Parameters where the real graph wanted their gradient.
  std::vector<Parameter<Scalar>> params;
  std::vector<Matrix<Scalar>> data;
  params.reserve(static_cast<std::size_t>(src.num_inputs));
  data.reserve(static_cast<std::size_t>(src.num_inputs));
  Graph<Scalar> local;
  std::vector<Var<Scalar>> in;
  for (int k = 0; k < src.num_inputs; ++k) {
    const Node<Scalar>& x = graph.input(src, k);
    check.input_shapes += (k ? ", " : "") + shape_string(*x.value);
    if (x.needs_grad()) {
      params.emplace_back(*x.value);
      in.push_back(local.param(params.back()));
    } else {
      data.push_back(*x.value);
      in.push_back(local.input(data.back()));
    }
  }
  const Var<Scalar> y = replay(local, src, in);
  const Matrix<Scalar> probe = random_like(y.rows(), y.cols());
  std::vector<Matrix<Scalar>> before;
  for (auto& p : params) {
    before.push_back(random_like(p.rows(), p.cols()));
    p.mutable_grad() = before.back();
  }
  local.backward(y, probe);

  Node<Scalar>& out = y.node();
  auto f = [&]() -> Scalar {  // <u, forward(inputs)>
    out.forward(local, out);
    return (probe.array() * out.value->array()).sum();
  };
  std::size_t p = 0;
  for (int k = 0; k < src.num_inputs; ++k) {
    if (!graph.input(src, k).needs_grad()) continue;
    Parameter<Scalar>& x = params[p];
    const Matrix<Scalar> analytic = x.grad() - before[p];
    ++p;
    check.inputs.push_back(check_matrix("input " + std::to_string(k), f, x.value(), analytic, options));
  }
  return check;
}

}  // namespace detail

/// Checks the graph that `build(graph)` records, node by node, then end to end.
///
/// Each node that has a backward rule is re-run alone on copies of its inputs (their values from
/// the real forward pass): its vector-Jacobian product for a random probe is compared with finite
/// differences of its own forward rule, input by input. A wrong rule is therefore found where it
/// is, not somewhere downstream of it: `first_failure()` names its op, tape index and input shapes,
/// and its entry gives the worst element, analytic vs numeric and the error. Kinks (ReLU at 0) are
/// counted as such, not as failures. Then the loss's gradient with respect to `params` is checked
/// as gradcheck() does. Everything runs in Scalar, which must be double unless `allow_float`.
/// Cost: each input element costs a few forward runs of its node (max_elements_per_parameter caps
/// the elements per input), so it is meant for test-sized graphs.
/// @code
/// auto report = keisan::gradcheck_nodes<double>(build, net.parameters());
/// if (auto* bad = report.first_failure()) std::cerr << report.to_string();   // names the node
/// @endcode
template <class Scalar, class Build>
[[nodiscard]] NodeGradcheckReport gradcheck_nodes(Build&& build, const ParameterList<Scalar>& params,
                                                  const GradcheckOptions& options = {}) {
  NodeGradcheckReport report;
  std::vector<std::string> unused;  // validation only: the float warning lands in end_to_end.warnings
  detail::check_gradcheck_options<Scalar>("gradcheck_nodes", options, unused);
  Graph<Scalar> graph;
  (void)build(graph);
  Rng rng(20241127);
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Node<Scalar>& n = graph.node(static_cast<Index>(i));
    if (n.backward != nullptr) report.nodes.push_back(detail::check_node(graph, n, rng, options));
  }
  report.end_to_end = gradcheck<Scalar>(build, params, options);
  return report;
}

}  // namespace keisan
