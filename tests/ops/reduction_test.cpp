// keisan tests: sum and mean.
// SPDX-License-Identifier: MIT
#include "support/helpers.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

TEST_CASE("sum and mean: forward values and gradients", "[ops][check]") {
  Matrix<double> X(2, 2);
  X << 1, 2, 3, 6;
  Graph<double> g;
  REQUIRE(keisan::sum(g.input(X)).value()(0, 0) == 12.0);
  REQUIRE(keisan::mean(g.input(X)).value()(0, 0) == 3.0);
  Parameter<double> p(random_matrix(3, 4, 50));
  REQUIRE_GRADCHECK(
      [&](Graph<double>& gg) { return keisan::mean(keisan::square(keisan::sum(gg.param(p)) * gg.param(p))); },
      ParameterList<double>{{"p", &p}});
}

TEST_CASE("mean of an empty matrix throws", "[ops]") {
  Matrix<double> E(0, 3);
  Graph<double> g;
  REQUIRE_THROWS_MATCHES(keisan::mean(g.input(E)), keisan::ValueError,
                         Catch::Matchers::Message("keisan::mean: the input is empty (0x3)"));
}
