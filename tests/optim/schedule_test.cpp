// keisan tests: learning-rate schedules (StepLR, CosineLR, ConstantLR, WarmupLR): values, driving
// an optimizer, resuming from a saved step count, argument checks.
// SPDX-License-Identifier: MIT
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "support/helpers.hpp"

using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;

namespace {
/// |a - b| <= 1e-15 * max(|a|, |b|) (the rates here are well away from zero, or exactly zero).
bool same_rate(double a, double b) {
  return std::abs(a - b) <= 1e-15 * std::max(std::abs(a), std::abs(b));
}
}  // namespace

TEST_CASE("StepLR: base_lr * gamma^floor(t / step_size)", "[optim]") {
  const keisan::StepLR s(0.1, 3, 0.5);
  const std::vector<double> expected{0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125};
  for (std::int64_t t = 0; t < 10; ++t) CHECK(same_rate(s.lr_at(t), expected[static_cast<std::size_t>(t)]));
  CHECK(same_rate(keisan::StepLR(1.0, 1).lr_at(2), 0.01));  // gamma defaults to 0.1
}

TEST_CASE("CosineLR: half a cosine from base_lr to min_lr over period, then min_lr", "[optim]") {
  const keisan::CosineLR s(0.1, 4, 0.02);
  CHECK(same_rate(s.lr_at(0), 0.1));
  CHECK(same_rate(s.lr_at(1), 0.08828427124746191));
  CHECK(same_rate(s.lr_at(2), 0.06));
  CHECK(same_rate(s.lr_at(4), 0.02));
  CHECK(same_rate(s.lr_at(1000), 0.02));
  CHECK(keisan::CosineLR(0.1, 10).lr_at(10) == 0.0);  // min_lr defaults to 0
}

TEST_CASE("WarmupLR: linear ramp to the following schedule's first rate, which then starts its count", "[optim]") {
  const keisan::WarmupLR constant(4, keisan::ConstantLR(0.1));
  const std::vector<double> expected{0.025, 0.05, 0.075, 0.1, 0.1, 0.1};
  for (std::int64_t t = 0; t < 6; ++t) CHECK(same_rate(constant.lr_at(t), expected[static_cast<std::size_t>(t)]));
  const keisan::WarmupLR cosine(2, keisan::CosineLR(0.1, 4));
  CHECK(same_rate(cosine.lr_at(0), 0.05));
  CHECK(same_rate(cosine.lr_at(1), 0.1));
  CHECK(same_rate(cosine.lr_at(2), 0.1));   // the cosine's t = 0
  CHECK(same_rate(cosine.lr_at(4), 0.05));  // its t = 2, half way
  CHECK(cosine.lr_at(6) == 0.0);
  const keisan::StepLR step(0.1, 2);
  const keisan::WarmupLR none(0, step);
  for (std::int64_t t = 0; t < 6; ++t) CHECK(none.lr_at(t) == step.lr_at(t));
}

TEST_CASE("Schedules: apply() sets the optimizer's rate; driven by steps() a resumed run needs nothing more",
          "[optim]") {
  const keisan::WarmupLR schedule(3, keisan::CosineLR(0.05, 6, 0.001));
  auto grad = [](std::int64_t s) {
    Matrix<double> g(1, 2);
    g << 0.5 - 0.1 * static_cast<double>(s), -1 + 0.2 * static_cast<double>(s);
    return g;
  };
  auto train = [&](keisan::Optimizer<double>& opt, Parameter<double>& w, std::int64_t until) {
    while (opt.steps() < until) {
      schedule.apply(opt, opt.steps());
      REQUIRE(opt.learning_rate() == schedule.lr_at(opt.steps()));
      opt.zero_grad();
      w.mutable_grad() = grad(opt.steps());
      opt.step();
    }
  };
  Parameter<double> w(Matrix<double>::Ones(1, 2));
  keisan::SGD<double> ref({{"w", &w}}, 1.0, {0.9});
  train(ref, w, 12);

  // The same run, stopped after 5 steps and restored into a new optimizer from its state.
  Parameter<double> w2(Matrix<double>::Ones(1, 2));
  Matrix<double> momentum;
  std::int64_t step = 0;
  {
    keisan::SGD<double> first({{"w", &w2}}, 1.0, {0.9});
    train(first, w2, 5);
    auto state = first.state();
    momentum = *state.at(0).matrix;
    step = *state.at(1).integer;
  }
  keisan::SGD<double> resumed({{"w", &w2}}, 1.0, {0.9});  // its rate: whatever apply() sets
  auto state = resumed.state();
  *state.at(0).matrix = momentum;
  *state.at(1).integer = step;
  train(resumed, w2, 12);
  REQUIRE(w2.value() == w.value());
  REQUIRE(resumed.learning_rate() == ref.learning_rate());

  // Epoch-driven: the caller's own count.
  const keisan::StepLR per_epoch(0.1, 2);
  per_epoch.apply(ref, 5);
  REQUIRE(same_rate(ref.learning_rate(), 0.001));
  keisan::ConstantLR(0.3).apply(ref, 0);
  REQUIRE(ref.learning_rate() == 0.3);
}

TEST_CASE("Schedules: bad arguments throw ValueError naming the schedule", "[optim]") {
  using Catch::Matchers::Message;
  REQUIRE_THROWS_MATCHES(keisan::StepLR(0.1, 0), keisan::ValueError,
                         Message("keisan::StepLR: step_size must be >= 1, got 0"));
  REQUIRE_THROWS_WITH(keisan::StepLR(0.1, 5, 1.5), "keisan::StepLR: gamma must be in (0, 1], got 1.500000");
  REQUIRE_THROWS_WITH(keisan::StepLR(0.1, 5, 0), "keisan::StepLR: gamma must be in (0, 1], got 0.000000");
  REQUIRE_THROWS_WITH(keisan::StepLR(-0.1, 5), "keisan::StepLR: base_lr must be >= 0 and finite, got -0.100000");
  REQUIRE_THROWS_WITH(keisan::CosineLR(std::numeric_limits<double>::infinity(), 5),
                      "keisan::CosineLR: base_lr must be >= 0 and finite, got inf");
  REQUIRE_THROWS_WITH(keisan::CosineLR(0.1, 0), "keisan::CosineLR: period must be >= 1, got 0");
  REQUIRE_THROWS_WITH(keisan::CosineLR(0.1, 10, 0.2), "keisan::CosineLR: min_lr must be in [0, base_lr], got 0.200000");
  REQUIRE_THROWS_WITH(keisan::ConstantLR(std::nan("")), "keisan::ConstantLR: lr must be >= 0 and finite, got nan");
  REQUIRE_THROWS_WITH(keisan::WarmupLR(-1, keisan::ConstantLR(0.1)), "keisan::WarmupLR: warmup must be >= 0, got -1");
  REQUIRE_THROWS_WITH(keisan::StepLR(0.1, 2).lr_at(-1), "keisan::StepLR: step must be >= 0, got -1");
  REQUIRE_THROWS_WITH(keisan::CosineLR(0.1, 2).lr_at(-3), "keisan::CosineLR: step must be >= 0, got -3");
  REQUIRE_THROWS_WITH(keisan::ConstantLR(0.1).lr_at(-1), "keisan::ConstantLR: step must be >= 0, got -1");
  REQUIRE_THROWS_WITH(keisan::WarmupLR(2, keisan::ConstantLR(0.1)).lr_at(-2),
                      "keisan::WarmupLR: step must be >= 0, got -2");
}
