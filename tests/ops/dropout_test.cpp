// keisan tests: dropout: the mask's values and rate, identity in eval, a replayable mask, bad p.
// SPDX-License-Identifier: MIT
#include "keisan/ops/dropout.hpp"

#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Index;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

TEST_CASE("dropout: zeroes about p of the elements and scales the rest by 1/(1-p)", "[ops]") {
  const Matrix<double> x = Matrix<double>::Constant(20, 50, 3.0);
  Graph<double> g;
  keisan::Rng rng(1);
  const Matrix<double>& y = keisan::dropout(g.input(x), 0.25, rng).value();
  Index zeros = 0;
  for (Index i = 0; i < y.size(); ++i) {
    const double v = y.data()[i];
    REQUIRE((v == 0.0 || v == 4.0));  // 3 / (1 - 0.25)
    zeros += v == 0.0;
  }
  REQUIRE(zeros > 200);  // 250 expected of 1000
  REQUIRE(zeros < 300);
  // The same seed draws the same mask.
  keisan::Rng again(1);
  const Matrix<double>& y2 = keisan::dropout(g.input(x), 0.25, again).value();
  REQUIRE_CLOSE(y2, y, 0, 0);
}

TEST_CASE("dropout: identity (no node, no draw) in eval mode and at p = 0; images stay images", "[ops]") {
  const Matrix<double> x = random_matrix(3, 8, 2);
  Graph<double> g;
  keisan::Rng rng(3);
  const keisan::Rng before = rng;
  auto v = g.input(x, {2, 2, 2});
  REQUIRE(keisan::dropout(v, 0.5, rng, false).index() == v.index());
  REQUIRE(keisan::dropout(v, 0.0, rng).index() == v.index());
  REQUIRE(rng == before);
  REQUIRE(g.size() == 1);
  REQUIRE(keisan::dropout(v, 0.5, rng).image() == keisan::ImageShape{2, 2, 2});
}

TEST_CASE("dropout: the mask is saved state: gradients match gradcheck, node by node and end to end", "[ops][check]") {
  Parameter<double> x(random_matrix(4, 6, 4));
  // gradcheck re-runs the build: a fresh Rng with the same seed gives every run the same mask, and
  // gradcheck_nodes replays the node with the mask it saved.
  REQUIRE_GRADCHECK(
      [&](Graph<double>& g) {
        keisan::Rng rng(5);
        return keisan::sum(keisan::tanh(keisan::dropout(g.param(x), 0.5, rng)));
      },
      ParameterList<double>{{"x", &x}});
  // Dropped elements get no gradient.
  Graph<double> g;
  keisan::Rng rng(5);
  auto y = keisan::dropout(g.param(x), 0.5, rng);
  g.backward(keisan::sum(y));
  x.zero_grad();
  g.backward(keisan::sum(y));
  for (Index i = 0; i < x.size(); ++i) REQUIRE(x.grad().data()[i] == (y.value().data()[i] == 0.0 ? 0.0 : 2.0));
}

TEST_CASE("dropout: scaled at evaluation (the book's): kept elements unchanged, eval multiplies by 1 - p",
          "[ops][check]") {
  const Matrix<double> x = Matrix<double>::Constant(20, 50, 3.0);
  Graph<double> g;
  keisan::Rng rng(1), same(1);
  const auto at_eval = keisan::DropoutScaling::at_eval;
  const Matrix<double>& y = keisan::dropout(g.input(x), 0.25, rng, true, at_eval).value();
  const Matrix<double>& inverted = keisan::dropout(g.input(x), 0.25, same).value();
  for (Index i = 0; i < y.size(); ++i) {
    REQUIRE((y.data()[i] == 0.0 || y.data()[i] == 3.0));
    REQUIRE((y.data()[i] == 0.0) == (inverted.data()[i] == 0.0));  // the same draws, the same mask
  }
  // Evaluation: (1 - p) * x, a node of its own that keeps the image shape; no draw.
  const keisan::Rng before = rng;
  auto v = g.input(x, {10, 5, 1});
  auto e = keisan::dropout(v, 0.25, rng, false, at_eval);
  REQUIRE(rng == before);
  REQUIRE(e.index() != v.index());
  REQUIRE_CLOSE(e.value(), Matrix<double>::Constant(20, 50, 2.25), 0, 0);
  REQUIRE(e.image() == keisan::ImageShape{10, 5, 1});
  REQUIRE(keisan::dropout(v, 0.0, rng, false, at_eval).index() == v.index());
  // Gradients, training and evaluation.
  Parameter<double> p(random_matrix(4, 6, 4));
  for (const bool training : {true, false}) {
    INFO("training " << training);
    REQUIRE_GRADCHECK(
        [&](Graph<double>& graph) {
          keisan::Rng r(5);
          return keisan::sum(keisan::tanh(keisan::dropout(graph.param(p), 0.5, r, training, at_eval)));
        },
        ParameterList<double>{{"x", &p}});
  }
  // The layer: the option, its description, eval mode.
  keisan::Dropout<double> layer(0.5, 3, at_eval);
  REQUIRE(layer.scaling() == at_eval);
  REQUIRE(layer.describe() == "Dropout(0.500000, scaled at eval)");
  REQUIRE(keisan::Dropout<double>(0.5).describe() == "Dropout(0.500000)");
  layer.eval();
  Graph<double> h;
  REQUIRE_CLOSE(layer(h.input(x)).value(), Matrix<double>::Constant(20, 50, 1.5), 0, 0);
}

TEST_CASE("dropout: a rate p that is not 0 <= p < 1 is a ValueError", "[ops]") {
  const Matrix<double> x = random_matrix(2, 2, 6);
  Graph<double> g;
  keisan::Rng rng(7);
  REQUIRE_THROWS_MATCHES(keisan::dropout(g.input(x), 1.0, rng), keisan::ValueError,
                         Catch::Matchers::Message("keisan::dropout: p must be in [0, 1), got 1.000000"));
  REQUIRE_THROWS_WITH(keisan::dropout(g.input(x), -0.5, rng, false),
                      "keisan::dropout: p must be in [0, 1), got -0.500000");
}
