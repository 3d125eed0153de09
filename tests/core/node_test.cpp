// keisan tests: what a node keeps and guards — handles that go stale across clear(), gradients
// that never change shape or state by being read, op names that outlive their strings, saved
// state that replays (a random mask), and empty batches through every op.
// SPDX-License-Identifier: MIT
#include <string>

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Node;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::ShapeError;
using keisan::ValueError;
using keisan::Var;
using keisan::test::random_matrix;

namespace {
void identity_forward(Graph<double>& g, Node<double>& n) {
  n.out() = *g.input(n, 0).value;
}
void transposed_backward(Graph<double>& g, Node<double>& n) {
  g.input(n, 0).accumulate(n.grad().transpose());
}
void overwriting_square_backward(Graph<double>& g, Node<double>& n) {
  Node<double>& x = g.input(n, 0);
  x.grad_mut() = (2 * n.grad().array() * x.value->array()).matrix();  // assigns: loses other consumers' terms
}
void square_forward(Graph<double>& g, Node<double>& n) {
  n.out() = g.input(n, 0).value->array().square().matrix();
}

// x * mask with a mask of 0s and 2s drawn when the op is recorded (inverted dropout's shape).
void masked_forward(Graph<double>& g, Node<double>& n) {
  n.out() = (g.input(n, 0).value->array() * n.saved(0).array()).matrix();
}
void masked_backward(Graph<double>& g, Node<double>& n) {
  g.input(n, 0).accumulate(n.grad().array() * n.saved(0).array());
}
Var<double> random_mask(const Var<double>& x, keisan::Rng& rng) {
  return x.graph().record("random_mask", {x}, &masked_forward, &masked_backward, [&](Node<double>& n) {
    Matrix<double>& mask = n.saved(0);
    mask.resize(x.rows(), x.cols());
    for (keisan::Index i = 0; i < mask.size(); ++i) mask.data()[i] = keisan::uniform_unit(rng) < 0.5 ? 0.0 : 2.0;
  });
}
// The mistake the contract forbids: drawing the mask inside the forward rule.
keisan::Rng forward_rng(7);
void redrawing_forward(Graph<double>& g, Node<double>& n) {
  Matrix<double>& mask = n.saved(0);
  mask.resize(g.input(n, 0).value->rows(), g.input(n, 0).value->cols());
  for (keisan::Index i = 0; i < mask.size(); ++i) mask.data()[i] = keisan::uniform_unit(forward_rng) < 0.5 ? 0.0 : 2.0;
  masked_forward(g, n);
}

// A two-input op, x * y, whose rule accumulates into both inputs without asking which need it.
void product_forward(Graph<double>& g, Node<double>& n) {
  n.out() = (g.input(n, 0).value->array() * g.input(n, 1).value->array()).matrix();
}
void product_backward(Graph<double>& g, Node<double>& n) {
  Node<double>& x = g.input(n, 0);
  Node<double>& y = g.input(n, 1);
  x.accumulate(n.grad().array() * y.value->array());
  y.accumulate(n.grad().array() * x.value->array());
}
}  // namespace

TEST_CASE("Var: a handle kept across clear() is stale even after the graph grows past its index", "[core]") {
  Matrix<double> a = random_matrix(2, 2, 1), b = random_matrix(2, 2, 2);
  Graph<double> g;
  const Var<double> old = keisan::sigmoid(g.input(a));  // node 1
  g.clear();
  auto fresh = keisan::tanh(keisan::exp(g.input(b)));  // nodes 0..2: index 1 exists again
  REQUIRE(g.size() == 3);
  REQUIRE_THROWS_WITH(old.value(), "keisan::Var: stale handle (the graph was cleared since it was recorded)");
  REQUIRE_THROWS_WITH(
      keisan::relu(old),
      "keisan::relu: the Var does not belong to this graph (another graph, or a Var kept across clear())");
  REQUIRE_THROWS_WITH(g.backward(old),
                      "keisan::backward: the Var does not belong to this graph (another graph, or a "
                      "Var kept across clear())");
  REQUIRE_THROWS_WITH(keisan::add(fresh, old),
                      "keisan::Var: stale handle (the graph was cleared since it was recorded)");
}

TEST_CASE("Var::grad and Parameter::grad: reading a zero gradient changes nothing", "[core]") {
  Parameter<double> w(random_matrix(2, 2, 3)), unused(random_matrix(2, 2, 4));
  Graph<double> g;
  auto side = keisan::sigmoid(g.param(unused));  // recorded, but the loss does not reach it
  auto loss = keisan::sum(keisan::square(g.param(w)));
  g.backward(loss);
  REQUIRE(side.grad().isZero());
  REQUIRE(side.node().grad_buf->is_zero());  // still reset: the next contribution assigns
  REQUIRE(unused.grad().isZero());
  REQUIRE(unused.grad_is_zero());
  w.zero_grad();
  REQUIRE(w.grad().isZero());
  REQUIRE(w.grad_is_zero());
  g.backward(loss);  // assigns, not adds onto stale values
  REQUIRE_CLOSE(w.grad(), (2 * w.value()).eval(), 1e-15, 0);
}

TEST_CASE("Node::accumulate: a contribution of the wrong shape is a ShapeError naming the op", "[core]") {
  Parameter<double> p(random_matrix(1, 5, 5));
  Graph<double> g;
  auto y = g.record("transposing_op", {g.param(p)}, &identity_forward, &transposed_backward);
  REQUIRE_THROWS_AS(g.backward(keisan::sum(y)), ShapeError);
  REQUIRE_THROWS_WITH(g.backward(keisan::sum(y)),
                      "keisan::backward: the backward rule of node 1 'transposing_op' (input shapes 1x5): keisan: a "
                      "gradient contribution is 5x1 but the value is 1x5");
}

TEST_CASE("Graph::record: the op name is copied, and too many inputs throw in every build", "[core]") {
  Matrix<double> a = random_matrix(2, 2, 6);
  Graph<double> g;
  auto x = g.input(a);
  Var<double> y;
  {
    std::string name = "user_op_with_a_long_name_";
    name += std::to_string(42);
    y = g.record(name, {x}, &identity_forward, &transposed_backward);
  }  // the string is gone; the node's name is not
  REQUIRE(y.op() == "user_op_with_a_long_name_42");
  REQUIRE(keisan::to_dot(g).find("user_op_with_a_long_name_42") != std::string::npos);
  REQUIRE_THROWS_WITH(g.record("four", {x, x, x, x}, &identity_forward, &transposed_backward),
                      "keisan::Graph::record: op 'four' has 4 inputs; a node holds at most 3");
  REQUIRE_THROWS_WITH(g.record("none", {x}, nullptr, &transposed_backward),
                      "keisan::Graph::record: op 'none' has no forward rule");
}

TEST_CASE("Node::accumulate: a two-input op may accumulate into an input that is data", "[core]") {
  Matrix<double> data = random_matrix(3, 2, 8);
  Parameter<double> w(random_matrix(3, 2, 9));
  const auto build = [&](Graph<double>& g) {
    return keisan::sum(g.record("product", {g.input(data), g.param(w)}, &product_forward, &product_backward));
  };
  Graph<double> g;
  g.backward(build(g));
  REQUIRE_CLOSE(w.grad(), data, 0, 0);
  REQUIRE_GRADCHECK(build, ParameterList<double>{{"w", &w}});
}

TEST_CASE("gradcheck_nodes: a backward rule that overwrites its input's gradient is named", "[check]") {
  Parameter<double> p(random_matrix(2, 3, 10));
  // p is used twice (square and sigmoid): overwriting loses the other term. End to end it fails
  // too, but only the node check says where.
  const auto build = [&](Graph<double>& g) {
    auto x = g.param(p);
    return keisan::sum(g.record("overwriting_square", {x}, &square_forward, &overwriting_square_backward) +
                       keisan::sigmoid(x));
  };
  const auto report = keisan::gradcheck_nodes<double>(build, ParameterList<double>{{"p", &p}});
  INFO(report.to_string());
  REQUIRE(report.first_failure() != nullptr);
  REQUIRE(report.first_failure()->op == "overwriting_square");
  for (const auto& n : report.nodes)
    if (n.op != "overwriting_square") REQUIRE(n.status() == keisan::GradcheckEntry::Status::passed);
}

TEST_CASE("gradcheck_nodes: an op's random mask is saved state and replays as drawn", "[check]") {
  Parameter<double> p(random_matrix(4, 5, 11));
  keisan::Rng rng(3);
  Matrix<double> first_mask;
  const auto build = [&](Graph<double>& g) {
    keisan::Rng local = rng;  // the same masks on every call, as gradcheck needs of `build`
    auto y = random_mask(keisan::tanh(g.param(p)), local);
    first_mask = y.node().saved(0);
    return keisan::sum(keisan::square(y));
  };
  REQUIRE_GRADCHECK(build, ParameterList<double>{{"p", &p}});
  REQUIRE(first_mask.size() == 20);
  REQUIRE((first_mask.array() == 0).count() > 0);  // a real mask: some zeros, some twos
  REQUIRE((first_mask.array() == 2).count() > 0);

  // Drawn inside the forward rule instead, every re-run sees another mask: the check says so.
  const auto bad = [&](Graph<double>& g) {
    return keisan::sum(g.record("redrawing_mask", {g.param(p)}, &redrawing_forward, &masked_backward));
  };
  const auto report = keisan::gradcheck_nodes<double>(bad, ParameterList<double>{{"p", &p}});
  REQUIRE(report.first_failure() != nullptr);
  REQUIRE(report.first_failure()->op == "redrawing_mask");
}

TEST_CASE("gradcheck_nodes: cross_entropy at small probabilities is smooth, not a kink", "[check]") {
  Matrix<double> probs(2, 3);
  probs << 1e-5, 0.6, 0.39999, 0.3, 2e-6, 0.699998;
  Parameter<double> p(probs);
  const std::vector<int> labels{0, 1};
  const auto build = [&](Graph<double>& g) { return keisan::cross_entropy(g.param(p), labels); };
  const auto report = keisan::gradcheck_nodes<double>(build, ParameterList<double>{{"p", &p}});
  INFO(report.to_string());
  REQUIRE(report.passed());
  REQUIRE(report.nodes.at(0).inputs.at(0).kinks == 0);
  REQUIRE(report.nodes.at(0).inputs.at(0).status == keisan::GradcheckEntry::Status::passed);
}

TEST_CASE("Empty operands: broadcasting gives numpy's empty results, and gradients keep their shapes", "[ops]") {
  Parameter<double> e03(Matrix<double>(0, 3)), r13(random_matrix(1, 3, 12)), e00(Matrix<double>(0, 0)),
      s11(random_matrix(1, 1, 13)), e40(Matrix<double>(4, 0)), c41(random_matrix(4, 1, 14));
  Graph<double> g;
  const auto shape = [](const Var<double>& v) { return keisan::shape_string(v.value()); };
  auto a = g.param(e03) + g.param(r13);
  auto b = g.param(e00) * g.param(s11);
  auto c = g.param(r13) / g.param(e03);
  auto d = g.param(e40) - g.param(c41);
  REQUIRE(shape(a) == "0x3");
  REQUIRE(shape(b) == "0x0");
  REQUIRE(shape(c) == "0x3");
  REQUIRE(shape(d) == "4x0");
  for (const auto& v : {a, b, c, d}) {
    g.backward(v, Matrix<double>(v.rows(), v.cols()));
  }
  REQUIRE(r13.grad().rows() == 1);
  REQUIRE(r13.grad().isZero());  // summed over zero rows
  REQUIRE(s11.grad().isZero());
  REQUIRE(c41.grad().rows() == 4);
  REQUIRE(c41.grad().isZero());
}

TEST_CASE("Empty batches: every op takes 0 rows; reductions and losses say what is wrong", "[ops]") {
  Matrix<double> x(0, 4), x0(3, 0);
  Parameter<double> w(random_matrix(4, 2, 15)), b(random_matrix(1, 2, 16));
  Graph<double> g;
  auto xv = g.input(x);
  auto h = keisan::affine(xv, w, b);
  REQUIRE(h.rows() == 0);
  REQUIRE(h.cols() == 2);
  for (const auto& v : {keisan::sigmoid(h), keisan::relu(h), keisan::tanh(h), keisan::exp(h), keisan::square(h),
                        keisan::softmax(h), keisan::log_softmax(h), keisan::matmul(xv, g.param(w)), h * 2.0, 1.0 / h})
    REQUIRE(keisan::shape_string(v.value()) == "0x2");
  auto total = keisan::sum(h);
  REQUIRE(total.value()(0, 0) == 0);
  g.backward(total);
  REQUIRE(w.grad().isZero());  // no samples, no gradient
  REQUIRE(w.grad().rows() == 4);
  REQUIRE_THROWS_WITH(keisan::mean(h), "keisan::mean: the input is empty (0x2)");
  REQUIRE_THROWS_WITH(keisan::softmax_cross_entropy(h, std::vector<int>{}),
                      "keisan::softmax_cross_entropy: the batch is empty (0 rows)");
  REQUIRE_THROWS_WITH(keisan::mse(h, h), "keisan::mse: the input is empty (0x2)");

  // No classes: one ShapeError for every loss and softmax.
  auto none = g.input(x0);
  const std::vector<int> labels{0, 0, 0};
  REQUIRE_THROWS_WITH(keisan::softmax_cross_entropy(none, labels),
                      "keisan::softmax_cross_entropy: input is 3x0: needs at least one column (class)");
  REQUIRE_THROWS_WITH(keisan::cross_entropy(none, labels),
                      "keisan::cross_entropy: input is 3x0: needs at least one column (class)");
  REQUIRE_THROWS_WITH(keisan::cross_entropy(none, none),
                      "keisan::cross_entropy: input is 3x0: needs at least one column (class)");
  REQUIRE_THROWS_WITH(keisan::softmax_cross_entropy(none, none),
                      "keisan::softmax_cross_entropy: input is 3x0: needs at least one column (class)");
  REQUIRE_THROWS_WITH(keisan::softmax(none), "keisan::softmax: input is 3x0: needs at least one column (class)");
}

TEST_CASE("Empty features: 0 columns through affine, elementwise ops and sums", "[ops]") {
  Parameter<double> x(Matrix<double>(3, 0)), w(Matrix<double>(0, 2)), b(random_matrix(1, 2, 17));
  Graph<double> g;
  auto y = keisan::affine(g.param(x), w, b);  // no features: every row is the bias
  REQUIRE(keisan::shape_string(y.value()) == "3x2");
  REQUIRE_CLOSE(y.value(), b.value().replicate(3, 1).eval(), 0, 0);
  for (const auto& v :
       {keisan::sigmoid(g.param(x)), keisan::exp(g.param(x)), g.param(x) * 3.0, keisan::matmul(g.param(x), g.param(w))})
    REQUIRE(v.rows() == 3);
  REQUIRE(keisan::sum(g.param(x)).value()(0, 0) == 0);
  g.backward(keisan::sum(y));
  REQUIRE(keisan::shape_string(x.grad()) == "3x0");
  REQUIRE(keisan::shape_string(w.grad()) == "0x2");
  REQUIRE_CLOSE(b.grad(), Matrix<double>::Constant(1, 2, 3.0), 0, 0);
}
