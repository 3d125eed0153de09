// keisan tests: GradientAccumulator (gradient accumulation over micro-batches).
// SPDX-License-Identifier: MIT
#include <keisan/data/shard.hpp>
#include <keisan/optim/accumulate.hpp>
#include <string>
#include <vector>

#include "support/helpers.hpp"

using keisan::Index;
using keisan::Matrix;

namespace {

/// A 2-layer net, the rows x of labels y, and the gradient of the mean loss over all rows.
struct Problem {
  keisan::Rng rng{11};
  keisan::Sequential<float> net;
  Matrix<float> x = keisan::test::random_matrix<float>(12, 6, 3);
  std::vector<int> y{0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 2, 1};
  Problem() {
    net.add(keisan::Affine<float>(6, 5, keisan::Init::xavier, rng))
        .add(keisan::Tanh<float>())
        .add(keisan::Affine<float>(5, 3, keisan::Init::xavier, rng));
  }
  /// zero_grad, then one backward of the mean loss over rows [begin, end).
  void backward(Index begin, Index end) {
    net.zero_grad();
    keisan::Graph<float> g;
    const std::vector<int> labels(y.begin() + begin, y.begin() + end);
    const Matrix<float> rows = x.middleRows(begin, end - begin);
    g.backward(keisan::softmax_cross_entropy(net(g.input(rows)), labels));
  }
  std::vector<Matrix<float>> grads() {
    std::vector<Matrix<float>> out;
    for (const auto& p : net.parameters()) out.push_back(p.parameter->grad());
    return out;
  }
};

}  // namespace

TEST_CASE("GradientAccumulator: the mean of K micro-batches' gradients is the whole batch's mean-loss gradient",
          "[optim]") {
  for (const Index k : {2, 3, 4}) {
    Problem p;
    p.backward(0, 12);
    const auto whole = p.grads();
    keisan::GradientAccumulator<float> acc(p.net.parameters());
    for (Index part = 0; part < k; ++part) {
      const keisan::RowRange r = keisan::batch_part(12, part, k);
      p.backward(r.begin, r.end);
      acc.add();
    }
    REQUIRE(acc.count() == k);
    acc.store(static_cast<float>(k));
    REQUIRE(acc.count() == 0);
    const auto mean = p.grads();
    for (std::size_t i = 0; i < whole.size(); ++i) REQUIRE_CLOSE(mean[i], whole[i], 1e-5, 1e-7);
  }
}

TEST_CASE("GradientAccumulator: sums in micro-batch order, ((g0 + g1) + g2) / 3 to the bit", "[optim]") {
  Problem p;
  keisan::GradientAccumulator<float> acc(p.net.parameters());
  std::vector<std::vector<Matrix<float>>> g;
  for (Index part = 0; part < 3; ++part) {
    p.backward(4 * part, 4 * part + 4);
    g.push_back(p.grads());
    acc.add();
  }
  acc.store(3);
  const auto mean = p.grads();
  for (std::size_t i = 0; i < mean.size(); ++i) {
    Matrix<float> expected = g[0][i];
    expected.array() += g[1][i].array();
    expected.array() += g[2][i].array();
    expected.array() /= 3.0F;
    INFO("parameter " << i);
    REQUIRE(mean[i] == expected);  // exactly: the same float additions in the same order
    // and it is not the other order: (g2 + g1) + g0 differs somewhere for these numbers
    Matrix<float> reversed = g[2][i];
    reversed.array() += g[1][i].array();
    reversed.array() += g[0][i].array();
    reversed.array() /= 3.0F;
    if (i == 0) REQUIRE(mean[i] != reversed);
  }
  // Weighted (a short last batch of 5 rows split 2 + 3): (2 g0 + 3 g1) / 5.
  p.backward(0, 2);
  const auto a = p.grads();
  acc.add(2);
  p.backward(2, 5);
  const auto b = p.grads();
  acc.add(3);
  acc.store(5);
  const auto weighted = p.grads();
  for (std::size_t i = 0; i < weighted.size(); ++i) {
    Matrix<float> expected = a[i] * 2.0F;
    expected.array() += b[i].array() * 3.0F;
    expected.array() /= 5.0F;
    REQUIRE(weighted[i] == expected);
  }
}

TEST_CASE("GradientAccumulator: refuses a store with nothing added, a divisor <= 0, a parameter that changed shape",
          "[optim]") {
  Problem p;
  keisan::GradientAccumulator<float> acc(p.net.parameters());
  REQUIRE_THROWS_WITH(acc.store(2), "keisan::GradientAccumulator::store: nothing was added since the last store");
  p.backward(0, 4);
  acc.add();
  REQUIRE_THROWS_WITH(acc.store(0), "keisan::GradientAccumulator::store: the divisor must be > 0, got 0.000000");
  p.net.parameters()[0].parameter->assign(Matrix<float>::Zero(2, 2));
  REQUIRE_THROWS_AS(acc.add(), keisan::ShapeError);
  REQUIRE_THROWS_WITH(
      acc.add(), "keisan::GradientAccumulator::add: parameter '0.W' is 2x2, was 6x5 when the accumulator was made");
}
