// keisan tests: a steady-state training step allocates nothing, and the book's two-layer net
// gets the gradients gradcheck gets. Its own executable: see support/alloc_counter.hpp.
// SPDX-License-Identifier: MIT
#include "support/alloc_counter.hpp"
// (alloc_counter.hpp must come first)
#include <algorithm>
#include <memory>

#include "keisan/core/threads.hpp"
#include "keisan/detail/gemm.hpp"
#include "keisan/nn/conv.hpp"
#include "keisan/nn/dropout.hpp"
#include "keisan/nn/normalization.hpp"
#include "keisan/nn/pool.hpp"
#include "keisan/nn/reshape.hpp"
#include "keisan/optim/accumulate.hpp"
#include "support/helpers.hpp"
#include "support/synthetic.hpp"

using keisan::Graph;
using keisan::Matrix;
using keisan::Parameter;
using keisan::ParameterList;
using keisan::test::random_matrix;

namespace {
/// The book's TwoLayerNet: affine, sigmoid, affine, softmax-with-loss.
template <class Scalar>
struct TwoLayerNet {
  Parameter<Scalar> W1, b1, W2, b2;
  TwoLayerNet(keisan::Index in, keisan::Index hidden, keisan::Index out)
      : W1(Matrix<Scalar>(random_matrix<Scalar>(in, hidden, 90) * Scalar(0.1))),
        b1(Matrix<Scalar>::Zero(1, hidden)),
        W2(Matrix<Scalar>(random_matrix<Scalar>(hidden, out, 91) * Scalar(0.1))),
        b2(Matrix<Scalar>::Zero(1, out)) {}
  keisan::Var<Scalar> loss(Graph<Scalar>& g, const Matrix<Scalar>& x, const std::vector<int>& t) {
    auto h = keisan::sigmoid(keisan::affine(g.input(x), W1, b1));
    return keisan::softmax_cross_entropy(keisan::affine(h, W2, b2), t);
  }
  ParameterList<Scalar> parameters() { return {{"W1", &W1}, {"b1", &b1}, {"W2", &W2}, {"b2", &b2}}; }
};

std::vector<int> labels(int n) {
  std::vector<int> t(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) t[static_cast<std::size_t>(i)] = (i * 7) % 10;
  return t;
}
}  // namespace

TEST_CASE("Zero allocations: a steady-state 784-50-10 training step allocates nothing", "[core][alloc]") {
  TwoLayerNet<float> net(784, 50, 10);
  const Matrix<float> x = random_matrix<float>(100, 784, 92, 0, 1);
  const std::vector<int> t = labels(100);
  Graph<float> g;
  auto params = net.parameters();  // listed once: building the list allocates
  auto step = [&] {
    g.clear();
    for (auto& p : params) p.parameter->zero_grad();
    g.backward(net.loss(g, x, t));
    for (auto& p : params) p.parameter->value().noalias() -= 0.1f * p.parameter->grad();
  };
  step();  // the first step sizes every buffer
  const long allocs = keisan::test::count_allocations([&] {
    for (int i = 0; i < 3; ++i) step();
  });
  REQUIRE(allocs == 0);
}

TEST_CASE("Zero allocations: products split over two threads allocate nothing and agree with one thread",
          "[core][alloc]") {
  // 256x512 inputs through 512-128: the forward product and dW1 are 16.8 M multiply-adds, over
  // detail::parallel_gemm_work, so with OpenMP they run on two threads, each with its own blocks
  // (Eigen's own parallel GEMM allocated 2 blocks per call at this shape).
  TwoLayerNet<float> net(512, 128, 10);
  const Matrix<float> x = random_matrix<float>(256, 512, 93, 0, 1);
  const std::vector<int> t = labels(256);
  Graph<float> g;
  auto params = net.parameters();
  auto gradients = [&] {
    g.clear();
    for (auto& p : params) p.parameter->zero_grad();
    g.backward(net.loss(g, x, t));
  };
  const int threads_before = keisan::num_threads();
  keisan::set_num_threads(1);
  gradients();
  const Matrix<float> one_thread = net.W1.grad();
  keisan::set_num_threads(2);
#ifdef _OPENMP
  REQUIRE(keisan::detail::gemm_threads(256, 128, 512) == 2);
#endif
  gradients();  // sizes the second thread's blocks
  const long allocs = keisan::test::count_allocations([&] {
    for (int i = 0; i < 3; ++i) gradients();
  });
  keisan::set_num_threads(threads_before);
  REQUIRE(allocs == 0);
  REQUIRE(net.W1.grad().isApprox(one_thread, 1e-5f));
}

TEST_CASE("Zero allocations: a steady-state step of 2 accumulated micro-batches allocates nothing", "[optim][alloc]") {
  TwoLayerNet<float> net(784, 50, 10);
  const Matrix<float> x0 = random_matrix<float>(50, 784, 94, 0, 1), x1 = random_matrix<float>(50, 784, 95, 0, 1);
  const std::vector<int> t = labels(50);
  Graph<float> g;
  auto params = net.parameters();
  keisan::GradientAccumulator<float> acc(params);  // its sums: allocated here, once
  auto step = [&](float weight) {
    for (const Matrix<float>* x : {&x0, &x1}) {
      g.clear();
      for (auto& p : params) p.parameter->zero_grad();
      g.backward(net.loss(g, *x, t));
      acc.add(weight);
    }
    acc.store(2 * weight);
    for (auto& p : params) p.parameter->value().noalias() -= 0.1f * p.parameter->grad();
  };
  step(1);
  const long allocs = keisan::test::count_allocations([&] {
    step(1);
    step(25);  // the weighted path (a short last batch)
  });
  REQUIRE(allocs == 0);
}

TEST_CASE("Zero allocations: the counter does see allocations", "[core][alloc]") {
  // Guards the test above against counting nothing.
  Matrix<float> m;
  std::vector<int>* v = nullptr;
  const long allocs = keisan::test::count_allocations([&] {
    m.resize(64, 64);
    v = new std::vector<int>(10);
  });
  delete v;
  REQUIRE(allocs == 3);  // Eigen's buffer, the vector object, its storage
}

TEST_CASE("Zero allocations: inference in a no-grad scope allocates nothing either", "[core][alloc]") {
  TwoLayerNet<float> net(784, 50, 10);
  const Matrix<float> x = random_matrix<float>(100, 784, 93, 0, 1);
  const std::vector<int> t = labels(100);
  Graph<float> g;
  auto eval = [&] {
    g.clear();
    keisan::NoGradScope guard(g);
    return net.loss(g, x, t).value()(0, 0);
  };
  const float first = eval();
  float again = 0;
  REQUIRE(keisan::test::count_allocations([&] { again = eval(); }) == 0);
  REQUIRE(again == first);
}

TEST_CASE("TwoLayerNet 784-50-10: backprop gradients match gradcheck", "[core][check]") {
  TwoLayerNet<double> net(784, 50, 10);
  const Matrix<double> x = random_matrix(8, 784, 94, 0, 1);
  const std::vector<int> t = labels(8);
  keisan::GradcheckOptions opt;
  opt.max_elements_per_parameter = 300;  // of W1's 39,200, evenly strided
  const auto report =
      keisan::gradcheck<double>([&](Graph<double>& g) { return net.loss(g, x, t); }, net.parameters(), opt);
  INFO(report.to_string());
  REQUIRE(report.passed());
  REQUIRE(report.max_rel_error() <= 1e-7);
}

TEST_CASE("Zero allocations: a steady-state CNN training step (conv, relu, pool, flatten, affine) allocates nothing",
          "[nn][alloc]") {
  for (bool with_norm_and_dropout : {false, true}) {
    keisan::Rng rng(35);
    keisan::Sequential<float> net;
    net.add(keisan::Conv2D<float>(1, 4, 3, 3, 1, 1, keisan::Init::he, rng));  // 8x8x1 -> 8x8x4
    if (with_norm_and_dropout) net.add(keisan::BatchNorm<float>(4));
    net.add(keisan::ReLU<float>()).add(keisan::MaxPool2D<float>(2, 2));  // -> 4x4x4
    if (with_norm_and_dropout) net.add(keisan::Dropout<float>(0.25, 36));
    net.add(keisan::Flatten<float>()).add(keisan::Affine<float>(64, 10, keisan::Init::xavier, rng));
    keisan::SGD<float> opt(net.parameters(), 0.01);
    const Matrix<float> x = random_matrix<float>(16, 64, 37, 0, 1);
    const std::vector<int> t = labels(16);
    Graph<float> g;
    auto step = [&] {
      g.clear();
      opt.zero_grad();
      g.backward(keisan::softmax_cross_entropy(net(g.input(x, {8, 8, 1})), t));
      opt.step();
    };
    step();  // the first step sizes every buffer
    const long allocs = keisan::test::count_allocations([&] {
      for (int i = 0; i < 3; ++i) step();
    });
    INFO("with batch norm and dropout: " << with_norm_and_dropout);
    REQUIRE(allocs == 0);
  }
}

namespace {
/// A CNN whose large activations reach detail::parallel_elements at batch 256, so with OpenMP
/// and two threads its elementwise ops, bias adds, im2col/col2im and pooling loops split their rows.
keisan::Sequential<float> wide_cnn() {
  keisan::Rng rng(41);
  keisan::Sequential<float> net;
  net.add(keisan::Conv2D<float>(4, 8, 3, 3, 1, 1, keisan::Init::he, rng))  // 16x16x4 -> 16x16x8
      .add(keisan::BatchNorm<float>(8))
      .add(keisan::ReLU<float>())
      .add(keisan::MaxPool2D<float>(2, 2))  // -> 8x8x8
      .add(keisan::Dropout<float>(0.25, 42))
      .add(keisan::Conv2D<float>(8, 8, 1, 1, 1, 0, keisan::Init::he, rng))  // direct kernels, with dx
      .add(keisan::Conv2D<float>(8, 8, 3, 3, 1, 1, keisan::Init::he, rng))  // im2col + GEMM
      .add(keisan::Sigmoid<float>())
      .add(keisan::AvgPool2D<float>(2, 2))  // -> 4x4x8
      .add(keisan::Flatten<float>())
      .add(keisan::Affine<float>(128, 10, keisan::Init::xavier, rng));
  return net;
}
}  // namespace

TEST_CASE("Threads: a CNN step split over two threads allocates nothing and is bit-identical to one thread",
          "[nn][alloc][threads]") {
  const int threads_before = keisan::num_threads();
  const Matrix<float> x = random_matrix<float>(256, 16 * 16 * 4, 43, 0, 1);
  const std::vector<int> t = labels(256);
  auto train = [&](int threads, long& allocs) {
    keisan::set_num_threads(threads);
    keisan::Sequential<float> net = wide_cnn();
    keisan::Adam<float> opt(net.parameters(), 1e-3, {0.9, 0.999, 1e-8, 1e-4});
    Graph<float> g;
    std::vector<float> losses;
    losses.reserve(8);
    auto step = [&] {
      g.clear();
      opt.zero_grad();
      auto loss = keisan::softmax_cross_entropy(net(g.input(x, {16, 16, 4})), t);
      g.backward(loss);
      opt.step();
      losses.push_back(loss.value()(0, 0));
    };
    step();
    allocs = keisan::test::count_allocations([&] {
      for (int i = 0; i < 3; ++i) step();
    });
    std::vector<Matrix<float>> state;
    for (const auto& p : net.parameters()) state.push_back(p.parameter->value());
    return std::make_pair(losses, state);
  };
  long allocs_one = -1, allocs_two = -1;
  const auto one = train(1, allocs_one);
  const auto two = train(2, allocs_two);
  keisan::set_num_threads(threads_before);
#ifdef _OPENMP
  // The split does happen: the first conv's output and the pooled image; not the logits.
  keisan::set_num_threads(2);
  CHECK(keisan::detail::row_threads(256, 16 * 16 * 8) == 2);
  CHECK(keisan::detail::row_threads(256, 8 * 8 * 8) == 2);
  CHECK(keisan::detail::row_threads(256, 10) == 1);
  keisan::set_num_threads(threads_before);
#endif
  REQUIRE(allocs_one == 0);
  REQUIRE(allocs_two == 0);
  REQUIRE(one.first == two.first);
  REQUIRE(one.second.size() == two.second.size());
  for (std::size_t i = 0; i < one.second.size(); ++i) {
    INFO("parameter #" << i);
    REQUIRE(one.second[i] == two.second[i]);
  }
}

TEST_CASE("Threads: parallel_rows covers every row once, and optimizer updates and the gather split exactly",
          "[core][threads]") {
  const int threads_before = keisan::num_threads();
  keisan::set_num_threads(2);
  for (keisan::Index rows : {0, 1, 2, 3, 7, 64, 1000}) {
    std::vector<int> seen(static_cast<std::size_t>(rows), 0);
    keisan::detail::parallel_rows(rows, keisan::detail::parallel_elements, [&](keisan::Index b, keisan::Index e) {
      for (keisan::Index r = b; r < e; ++r) ++seen[static_cast<std::size_t>(r)];
    });
    INFO("rows " << rows);
    REQUIRE(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 1; }));
  }
  // Every optimizer on a 400 x 400 parameter (160,000 elements: split with two threads), with
  // weight decay: the same values after three steps on one thread and on two.
  auto run = [](int which, int threads) {
    keisan::set_num_threads(threads);
    Parameter<float> w(random_matrix<float>(400, 400, 44));
    const ParameterList<float> params{{"w", &w}};
    std::unique_ptr<keisan::Optimizer<float>> opt;
    if (which == 0) opt = std::make_unique<keisan::SGD<float>>(params, 0.1, keisan::SGDOptions{0.9, true, 1e-3});
    if (which == 1) opt = std::make_unique<keisan::AdaGrad<float>>(params, 0.1);
    if (which == 2) opt = std::make_unique<keisan::RMSProp<float>>(params, 0.01);
    if (which == 3)
      opt = std::make_unique<keisan::Adam<float>>(params, 0.01, keisan::AdamOptions{0.9, 0.999, 1e-8, 1e-3});
    for (int s = 0; s < 3; ++s) {
      w.mutable_grad() = random_matrix<float>(400, 400, 45 + static_cast<std::uint64_t>(s));
      opt->step();
    }
    return Matrix<float>(w.value());
  };
  for (int which = 0; which < 4; ++which) {
    INFO("optimizer #" << which);
    REQUIRE(run(which, 1) == run(which, 2));
  }
  const keisan::Dataset<float> wide(random_matrix<float>(500, 784, 47, 0, 1), std::vector<int>(500, 1), 2);
  std::vector<keisan::Index> idx(200);  // 200 x 784: split
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<keisan::Index>((i * 37) % 500);
  keisan::Batch<float> a, b;
  keisan::set_num_threads(1);
  wide.gather(idx, a);
  keisan::set_num_threads(2);
  wide.gather(idx, b);
  keisan::set_num_threads(threads_before);
  REQUIRE(a.x == b.x);
  REQUIRE(a.labels == b.labels);
  for (std::size_t i = 0; i < idx.size(); ++i)
    REQUIRE(b.x.row(static_cast<keisan::Index>(i)) == wide.features().row(idx[i]));
  // Stored as bytes: the same split, converted on the way.
  const keisan::Dataset<float, std::uint8_t> bytes(
      wide.features().unaryExpr([](float v) { return static_cast<std::uint8_t>(v * 255); }), std::vector<int>(500, 1),
      2, 1.0f / 255);
  keisan::set_num_threads(1);
  bytes.gather(idx, a);
  keisan::set_num_threads(2);
  bytes.gather(idx, b);
  keisan::set_num_threads(threads_before);
  REQUIRE(a.x == b.x);
  for (std::size_t i = 0; i < idx.size(); ++i)
    REQUIRE(b.x.row(static_cast<keisan::Index>(i)) == bytes.features().row(idx[i]).cast<float>() * (1.0f / 255));
}

TEST_CASE("Zero allocations: the Evaluator's second pass over images through a CNN allocates nothing", "[nn][alloc]") {
  keisan::Rng rng(38);
  keisan::Sequential<float> net;
  net.add(keisan::AsImage<float>({8, 8, 1}))
      .add(keisan::Conv2D<float>(1, 4, 3, 3, 1, 1, keisan::Init::he, rng))
      .add(keisan::BatchNorm<float>(4))
      .add(keisan::ReLU<float>())
      .add(keisan::AvgPool2D<float>(2, 2))
      .add(keisan::Dropout<float>(0.5, 39))
      .add(keisan::GlobalAvgPool<float>())
      .add(keisan::Affine<float>(4, 3, keisan::Init::xavier, rng));
  const Matrix<float> x = random_matrix<float>(50, 64, 40, 0, 1);  // batches of 16: three full, one of 2
  std::vector<int> t(50);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<int>(i % 3);
  keisan::Evaluator<float> evaluator(16);
  const double first = evaluator.accuracy(net, x, t);
  double second = -1;
  const long allocs = keisan::test::count_allocations([&] { second = evaluator.accuracy(net, x, t); });
  REQUIRE(allocs == 0);
  REQUIRE(second == first);
}

TEST_CASE("Zero allocations: a full training step (sample, gather, forward, backward, update) for every optimizer",
          "[core][alloc][optim]") {
  const auto data = keisan::test::xor_blobs<float>(256, 30);
  for (int which = 0; which < 6; ++which) {
    auto net = keisan::test::small_net<float>(31);
    std::unique_ptr<keisan::Optimizer<float>> opt;
    switch (which) {
      case 0:
        opt = std::make_unique<keisan::SGD<float>>(net.parameters(), 0.1);
        break;
      case 1:
        opt = std::make_unique<keisan::SGD<float>>(net.parameters(), 0.1, keisan::SGDOptions{0.9});
        break;
      case 2:
        opt = std::make_unique<keisan::SGD<float>>(net.parameters(), 0.1, keisan::SGDOptions{0.9, true, 1e-4});
        break;
      case 3:
        opt = std::make_unique<keisan::AdaGrad<float>>(net.parameters(), 0.1);
        break;
      case 4:
        opt = std::make_unique<keisan::RMSProp<float>>(net.parameters(), 0.01);
        break;
      default:
        opt = std::make_unique<keisan::Adam<float>>(net.parameters(), 0.01);
        break;
    }
    for (auto mode : {keisan::Sampling::shuffle, keisan::Sampling::replacement}) {
      keisan::test::Trainer<float> trainer{net, *opt, data, keisan::MinibatchSampler(data.size(), 32, {mode, true, 32}),
                                           {},  {},   {}};
      trainer.sampler.begin_epoch();
      trainer.step();  // warm-up sizes every buffer
      const long allocs = keisan::test::count_allocations([&] {
        for (int i = 0; i < 5; ++i) trainer.step();
      });
      INFO("optimizer #" << which);
      REQUIRE(allocs == 0);
    }
  }
}

TEST_CASE("Zero allocations: the Evaluator's second pass over a dataset allocates nothing", "[nn][alloc]") {
  const auto data = keisan::test::xor_blobs<float>(250, 33);  // batches of 64: three full, one of 58
  auto net = keisan::test::small_net<float>(34);
  keisan::Evaluator<float> evaluator(64);
  const double first = evaluator.accuracy(net, data.features(), data.labels());
  double second = -1;
  const long allocs =
      keisan::test::count_allocations([&] { second = evaluator.accuracy(net, data.features(), data.labels()); });
  REQUIRE(allocs == 0);
  REQUIRE(second == first);
  // The Dataset overload, and a dataset stored as bytes: converted batch by batch, allocation-free.
  double whole = -1;
  REQUIRE(evaluator.accuracy(net, data) == first);
  REQUIRE(keisan::test::count_allocations([&] { whole = evaluator.accuracy(net, data); }) == 0);
  REQUIRE(whole == first);
  const keisan::Matrix<std::uint8_t> pixels =
      random_matrix<float>(250, data.num_features(), 35, 0, 255).cast<std::uint8_t>();
  const keisan::Dataset<float, std::uint8_t> bytes(pixels, data.labels(), 2, 1.0f / 255);
  const keisan::Matrix<float> as_float = pixels.cast<float>() * (1.0f / 255);
  const std::vector<int> expected = evaluator.predict(net, as_float);
  REQUIRE(evaluator.predict(net, bytes) == expected);
  REQUIRE(keisan::test::count_allocations([&] { whole = evaluator.accuracy(net, bytes); }) == 0);
  REQUIRE(whole == evaluator.accuracy(net, as_float, data.labels()));
  REQUIRE_THROWS_WITH(evaluator.accuracy(net, keisan::Dataset<float, std::uint8_t>()),
                      "keisan::Evaluator::accuracy: the dataset is empty");
}

TEST_CASE("Zero allocations: weight decay (weights only), parameters without a gradient, clip_grad_norm, a schedule",
          "[core][alloc][optim]") {
  const auto data = keisan::test::xor_blobs<float>(256, 30);
  using keisan::Decay;
  for (bool skip : {true, false})
    for (int which = 0; which < 4; ++which) {
      auto net = keisan::test::small_net<float>(31);
      Parameter<float> unused(Matrix<float>::Ones(4, 4));  // no backward pass ever reaches it
      auto params = net.parameters();
      params.push_back({"unused.W", &unused});
      std::unique_ptr<keisan::Optimizer<float>> opt;
      switch (which) {
        case 0:
          opt = std::make_unique<keisan::SGD<float>>(params, 0.1,
                                                     keisan::SGDOptions{0.9, true, 1e-4, Decay::weights_only, skip});
          break;
        case 1:
          opt = std::make_unique<keisan::AdaGrad<float>>(params, 0.1,
                                                         keisan::AdaGradOptions{1e-7, 1e-4, Decay::weights_only, skip});
          break;
        case 2:
          opt = std::make_unique<keisan::RMSProp<float>>(
              params, 0.01, keisan::RMSPropOptions{0.99, 1e-7, 1e-4, Decay::weights_only, skip});
          break;
        default:
          opt = std::make_unique<keisan::Adam<float>>(
              params, 0.01, keisan::AdamOptions{0.9, 0.999, 1e-8, 1e-4, Decay::weights_only, skip});
          break;
      }
      const keisan::WarmupLR schedule(3, keisan::CosineLR(0.01, 20, 1e-4));
      keisan::MinibatchSampler sampler(data.size(), 32, {keisan::Sampling::shuffle, true, 32});
      Graph<float> g;
      keisan::Batch<float> batch;
      std::vector<keisan::Index> idx;
      double norms = 0;
      bool batches = true;
      auto step = [&] {
        batches = sampler.next(idx) && batches;
        data.gather(idx, batch);
        g.clear();
        opt->zero_grad();
        g.backward(keisan::softmax_cross_entropy(net(g.input(batch.x)), batch.labels));
        norms += keisan::clip_grad_norm(params, 0.5);
        schedule.apply(*opt, opt->steps());
        opt->step();
      };
      sampler.begin_epoch();
      step();  // warm-up sizes every buffer
      const long allocs = keisan::test::count_allocations([&] {
        for (int i = 0; i < 5; ++i) step();
      });
      INFO("optimizer #" << which << ", skip_without_grad " << skip);
      REQUIRE(allocs == 0);
      REQUIRE(batches);
      REQUIRE(std::isfinite(norms));
      REQUIRE(opt->steps() == 6);
      // Skipped, it keeps its value; updated with a zero gradient, weight decay shrinks it.
      REQUIRE((unused.value() == Matrix<float>::Ones(4, 4)) == skip);
      REQUIRE(unused.grad_is_zero());
    }
}
