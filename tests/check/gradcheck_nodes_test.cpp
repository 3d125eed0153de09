// keisan tests: gradcheck_nodes names the node with a wrong backward rule, and only that one;
// kinks are flagged, not failed; user ops plug in through Graph::record.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::GradcheckEntry;
using keisan::Graph;
using keisan::Matrix;
using keisan::Node;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::Var;
using keisan::test::random_matrix;

namespace {
// A user op, swish(x) = x * sigmoid(x), in two versions: the right backward rule, and one that
// forgets the product rule's second term (a typical slip).
void swish_forward(Graph<double>& g, Node<double>& n) {
  const auto x = g.input(n, 0).value->array();
  n.out() = (x * x.logistic()).matrix();
}
void swish_backward(Graph<double>& g, Node<double>& n) {
  Node<double>& x = g.input(n, 0);
  const auto s = x.value->array().logistic();
  x.accumulate(n.grad().array() * (s + x.value->array() * s * (1 - s)));
}
void wrong_swish_backward(Graph<double>& g, Node<double>& n) {
  Node<double>& x = g.input(n, 0);
  x.accumulate(n.grad().array() * x.value->array().logistic());  // d(x s)/dx is not s
}
Var<double> swish(const Var<double>& x, bool wrong) {
  return x.graph().record(wrong ? "wrong_swish" : "swish", {x}, &swish_forward,
                          wrong ? &wrong_swish_backward : &swish_backward);
}

// Three layers: affine -> sigmoid -> affine -> swish -> affine -> softmax cross-entropy.
struct ThreeLayerNet {
  Parameter<double> w1{random_matrix(3, 5, 300)}, b1{random_matrix(1, 5, 301)};
  Parameter<double> w2{random_matrix(5, 4, 302)}, b2{random_matrix(1, 4, 303)};
  Parameter<double> w3{random_matrix(4, 3, 304)}, b3{random_matrix(1, 3, 305)};
  Matrix<double> x = random_matrix(6, 3, 306);
  std::vector<int> labels{0, 2, 1, 1, 0, 2};
  bool wrong = false;

  Var<double> operator()(Graph<double>& g) {
    auto h = keisan::sigmoid(keisan::affine(g.input(x), w1, b1));  // nodes 0-4
    auto s = swish(keisan::affine(h, w2, b2), wrong);              // nodes 5-8
    return keisan::softmax_cross_entropy(keisan::affine(s, w3, b3), labels);
  }
  ParameterList<double> parameters() {
    return {{"w1", &w1}, {"b1", &b1}, {"w2", &w2}, {"b2", &b2}, {"w3", &w3}, {"b3", &b3}};
  }
};
}  // namespace

TEST_CASE("gradcheck_nodes: every node of a correct three-layer net passes on its own", "[check]") {
  ThreeLayerNet net;
  const auto report = keisan::gradcheck_nodes<double>(net, net.parameters());
  INFO(report.to_string());
  REQUIRE(report.passed());
  REQUIRE(report.first_failure() == nullptr);
  std::vector<std::string> ops;
  for (const auto& n : report.nodes) ops.push_back(n.op);
  REQUIRE(ops == std::vector<std::string>{"affine", "sigmoid", "affine", "swish", "affine", "softmax_cross_entropy"});
  // The first affine's input is data: only W (input 1) and b (input 2) are checked there.
  REQUIRE(report.nodes[0].inputs.size() == 2);
  REQUIRE(report.nodes[0].inputs[0].name == "input 1");
  REQUIRE(report.nodes[0].inputs[0].checked == 15);
  REQUIRE(report.nodes[2].inputs.size() == 3);  // h needs a gradient: x, W and b
  REQUIRE(report.end_to_end.entries.size() == 6);
  REQUIRE_THAT(report.to_string(), Catch::StartsWith("every node's backward rule and the end-to-end gradient agree"));
}

TEST_CASE("gradcheck_nodes: a wrong backward rule planted in a three-layer net is named, and no other node",
          "[check]") {
  ThreeLayerNet net;
  net.wrong = true;
  const auto report = keisan::gradcheck_nodes<double>(net, net.parameters());
  INFO(report.to_string());
  REQUIRE_FALSE(report.passed());
  const keisan::NodeCheck* bad = report.first_failure();
  REQUIRE(bad != nullptr);
  REQUIRE(bad->op == "wrong_swish");
  REQUIRE(bad->index == 8);
  REQUIRE(bad->input_shapes == "6x4");
  int failed = 0;
  for (const auto& n : report.nodes) failed += n.status() == GradcheckEntry::Status::failed;
  REQUIRE(failed == 1);  // the faulty gradient flows into every layer below, yet only its node fails
  const GradcheckEntry& e = bad->inputs.at(0);
  REQUIRE(e.failures > 0);
  REQUIRE(e.rel_error > 1e-3);
  REQUIRE_THAT(report.to_string(), Catch::StartsWith("first faulty node: node 8 'wrong_swish' (input shapes 6x4)\n") &&
                                       Catch::Contains("FAIL         input 0"));
  // End to end, the wrong rule shows in every parameter below it (w1 .. b2), not above (w3, b3).
  const auto& ends = report.end_to_end.entries;
  REQUIRE(ends[0].status == GradcheckEntry::Status::failed);
  REQUIRE(ends[3].status == GradcheckEntry::Status::failed);
  REQUIRE(ends[4].status == GradcheckEntry::Status::passed);
  REQUIRE(ends[5].status == GradcheckEntry::Status::passed);
}

TEST_CASE("gradcheck_nodes: ReLU at exactly 0 is flagged as a kink, not a failure", "[check]") {
  Matrix<double> start = random_matrix(2, 3, 310, 0.2, 1.0);
  start(1, 2) = 0;  // d relu / dx does not exist here
  start(0, 1) = -0.5;
  Parameter<double> p(start);
  auto build = [&](Graph<double>& g) { return keisan::sum(keisan::square(keisan::relu(g.param(p)) + 1.0)); };
  const auto report = keisan::gradcheck_nodes<double>(build, ParameterList<double>{{"p", &p}});
  INFO(report.to_string());
  REQUIRE(report.passed());
  const auto& relu = report.nodes.at(0);
  REQUIRE(relu.op == "relu");
  REQUIRE(relu.status() == GradcheckEntry::Status::nondifferentiable);
  REQUIRE(relu.inputs[0].kinks == 1);
  REQUIRE(relu.inputs[0].failures == 0);
  const auto& end = report.end_to_end.entries.at(0);
  REQUIRE(end.status == GradcheckEntry::Status::nondifferentiable);
  REQUIRE(end.kinks == 1);
  REQUIRE_THAT(report.to_string(), Catch::Contains("KINK         input 0") && Catch::Contains("1 at kinks"));
}

TEST_CASE("gradcheck_nodes: a point just off a kink is checked with a step relative to it; a wrong ReLU rule fails",
          "[check]") {
  Matrix<double> start = random_matrix(1, 4, 311, 0.2, 1.0);
  start(0, 0) = 5e-5;  // within the five-point stencil's reach (2h = 2e-4) of 0, but differentiable
  Parameter<double> p(start);
  auto build = [&](Graph<double>& g) { return keisan::sum(keisan::relu(g.param(p)) * 3.0); };
  const auto report = keisan::gradcheck<double>(build, ParameterList<double>{{"p", &p}});
  INFO(report.to_string());
  REQUIRE(report.entries[0].kinks == 0);  // the step 5e-7 stays on one side: slope 3, as the rule says
  REQUIRE(report.entries[0].failures == 0);
  REQUIRE(report.entries[0].status == GradcheckEntry::Status::passed);

  // A "relu" whose rule passes the gradient through everywhere (as if it were the identity).
  const auto leaky = [](Graph<double>& g, Node<double>& n) { g.input(n, 0).accumulate(n.grad()); };
  const auto relu_forward = [](Graph<double>& g, Node<double>& n) { n.out() = g.input(n, 0).value->cwiseMax(0.0); };
  Parameter<double> q(Matrix<double>{{-0.5, 0.7}});
  auto bad = [&](Graph<double>& g) {
    return keisan::sum(g.record("bad_relu", {g.param(q)}, +relu_forward, +leaky) * 3.0);
  };
  const auto wrong = keisan::gradcheck_nodes<double>(bad, ParameterList<double>{{"q", &q}});
  REQUIRE(wrong.first_failure() != nullptr);
  REQUIRE(wrong.first_failure()->op == "bad_relu");
  REQUIRE(wrong.first_failure()->inputs[0].kinks == 0);
  REQUIRE(wrong.first_failure()->inputs[0].failures == 1);  // at -0.5; 0.7 is right
}

TEST_CASE("gradcheck_nodes: nodes with constants and labels are replayed faithfully", "[check]") {
  Parameter<double> p(random_matrix(3, 4, 312, 0.1, 0.9));
  Matrix<double> t = random_matrix(3, 4, 313, 0, 1);
  auto build = [&](Graph<double>& g) {
    auto v = g.param(p);
    auto probs = keisan::softmax(keisan::scale_shift(v, -3.0, 2.5));  // keeps alpha and beta
    auto a = keisan::cross_entropy(probs, std::vector<int>{3, 0, 2});
    auto b = keisan::mse(1.0 / v, g.constant(t));  // scalar_div keeps c
    return a + b;
  };
  const auto report = keisan::gradcheck_nodes<double>(build, ParameterList<double>{{"p", &p}});
  INFO(report.to_string());
  REQUIRE(report.passed());
  REQUIRE(report.nodes.size() == 6);  // scale_shift, softmax, cross_entropy, scalar_div, mse, add
  REQUIRE(report.nodes[4].op == std::string("mse"));
  REQUIRE(report.nodes[4].inputs.size() == 1);  // the target is data
}

TEST_CASE("gradcheck_nodes: refuses float and bad tolerances, naming itself", "[check]") {
  Parameter<float> p(random_matrix<float>(2, 2, 314));
  auto build = [&](Graph<float>& g) { return keisan::sum(keisan::square(g.param(p))); };
  REQUIRE_THROWS_MATCHES(keisan::gradcheck_nodes<float>(build, ParameterList<float>{{"p", &p}}), keisan::ValueError,
                         Catch::Matchers::Message("keisan::gradcheck_nodes: refusing to check in float: its 1e-7 "
                                                  "resolution swamps finite differences; build the model in double, "
                                                  "or set allow_float"));
  Parameter<double> q(random_matrix(2, 2, 315));
  keisan::GradcheckOptions bad;
  bad.eps = 0;
  REQUIRE_THROWS_MATCHES(keisan::gradcheck_nodes<double>([&](Graph<double>& g) { return keisan::sum(g.param(q)); },
                                                         ParameterList<double>{{"q", &q}}, bad),
                         keisan::ValueError,
                         Catch::Matchers::Message("keisan::gradcheck_nodes: eps and rtol must be > 0 and floor >= 0"));
}
