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

TEST_CASE("dropout: a rate p that is not 0 <= p < 1 is a ValueError", "[ops]") {
  const Matrix<double> x = random_matrix(2, 2, 6);
  Graph<double> g;
  keisan::Rng rng(7);
  REQUIRE_THROWS_MATCHES(keisan::dropout(g.input(x), 1.0, rng), keisan::ValueError,
                         Catch::Matchers::Message("keisan::dropout: p must be in [0, 1), got 1.000000"));
  REQUIRE_THROWS_WITH(keisan::dropout(g.input(x), -0.5, rng, false),
                      "keisan::dropout: p must be in [0, 1), got -0.500000");
}
