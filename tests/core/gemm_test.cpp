// keisan tests: detail::gemm, the one place every matrix product goes through (Eigen's kernel, or
// oneDNN's sgemm for float with KEISAN_USE_ONEDNN), against Eigen's plain product: every
// transpose, assign and accumulate, a block of a larger matrix as destination, empty and tiny
// shapes, the same bits on one thread and two, and products that signals interrupt.
// SPDX-License-Identifier: MIT
#include "keisan/detail/gemm.hpp"

#include <signal.h>  // sigaction, pthread_kill

#include <atomic>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "keisan/core/threads.hpp"
#include "support/helpers.hpp"

using keisan::Index;
using keisan::Matrix;
using keisan::test::random_matrix;

namespace {

volatile sig_atomic_t signals_handled = 0;

extern "C" void count_signal(int /*signal*/) {
  signals_handled = signals_handled + 1;
}

template <class Scalar>
Scalar tolerance() {
  return std::is_same_v<Scalar, float> ? Scalar(1e-5) : Scalar(1e-12);
}

/// Checks dst = op(A) op(B) and dst += op(A) op(B) for an m x n x k product, op a transpose when
/// asked, with the operands stored as the transpose's source would be.
template <class Scalar>
void check_product(Index m, Index n, Index k, bool ta, bool tb) {
  CAPTURE(m, n, k, ta, tb);
  keisan::detail::GemmWorkspace<Scalar> ws;
  const Matrix<Scalar> a = ta ? random_matrix<Scalar>(k, m, 11) : random_matrix<Scalar>(m, k, 11);
  const Matrix<Scalar> b = tb ? random_matrix<Scalar>(n, k, 12) : random_matrix<Scalar>(k, n, 12);
  const Matrix<Scalar> c0 = random_matrix<Scalar>(m, n, 13);
  Matrix<Scalar> want(m, n);
  if (ta && tb) want = a.transpose() * b.transpose();
  if (ta && !tb) want = a.transpose() * b;
  if (!ta && tb) want = a * b.transpose();
  if (!ta && !tb) want = a * b;
  const auto run = [&](Matrix<Scalar>& dst, bool accumulate) {
    if (ta && tb) keisan::detail::gemm(dst, a.transpose(), b.transpose(), accumulate, ws);
    if (ta && !tb) keisan::detail::gemm(dst, a.transpose(), b, accumulate, ws);
    if (!ta && tb) keisan::detail::gemm(dst, a, b.transpose(), accumulate, ws);
    if (!ta && !tb) keisan::detail::gemm(dst, a, b, accumulate, ws);
  };
  const Scalar tol = tolerance<Scalar>() * static_cast<Scalar>(std::max<Index>(k, 1));
  Matrix<Scalar> dst = Matrix<Scalar>::Constant(1, 1, Scalar(7));  // assigned: resized, old values gone
  run(dst, false);
  REQUIRE(dst.rows() == m);
  REQUIRE(dst.cols() == n);
  CHECK((dst - want).cwiseAbs().maxCoeff() <= tol);
  dst = c0;
  run(dst, true);
  CHECK((dst - (c0 + want)).cwiseAbs().maxCoeff() <= tol);
}

}  // namespace

TEMPLATE_TEST_CASE("detail::gemm: every transpose, assign and accumulate, against Eigen's product", "[core][gemm]",
                   float, double) {
  struct Shape {
    Index m, n, k;
  };
  // The book's and the CNNs' shapes (narrow classifier outputs, batch-deep dW, wide layers), a
  // tiny product (Eigen's lazy path), depth 0 and sizes that are no multiple of any tile.
  const Shape shapes[] = {{100, 50, 784}, {784, 50, 100}, {100, 10, 50}, {50, 10, 100}, {100, 784, 50},
                          {3, 4, 5},      {1, 1, 1},      {7, 5, 0},     {33, 65, 17},  {1, 300, 200}};
  for (const Shape& s : shapes)
    for (const bool ta : {false, true})
      for (const bool tb : {false, true}) check_product<TestType>(s.m, s.n, s.k, ta, tb);
}

TEST_CASE("detail::gemm: an empty product leaves an accumulated destination as it was", "[core][gemm]") {
  keisan::detail::GemmWorkspace<float> ws;
  const Matrix<float> a(0, 5), b(5, 0);
  Matrix<float> dst;
  keisan::detail::gemm(dst, a, b, false, ws);
  CHECK(dst.rows() == 0);
  Matrix<float> c = random_matrix<float>(4, 3, 5);
  const Matrix<float> before = c;
  keisan::detail::gemm(c, Matrix<float>(4, 0), Matrix<float>(0, 3), true, ws);
  CHECK(c == before);
}

TEST_CASE("detail::gemm: a block of a larger matrix is written in place, its neighbours untouched", "[core][gemm]") {
  keisan::detail::GemmWorkspace<float> ws;
  const Matrix<float> a = random_matrix<float>(40, 30, 21), b = random_matrix<float>(30, 20, 22);
  Matrix<float> big = random_matrix<float>(50, 60, 23);
  const Matrix<float> before = big;
  auto block = big.block(5, 7, 40, 20);  // row stride 60, not 20
  keisan::detail::gemm(block, a, b, false, ws);
  const Matrix<float> want = a * b;
  CHECK((big.block(5, 7, 40, 20) - want).cwiseAbs().maxCoeff() <= 1e-4f);
  Matrix<float> outside = big;
  outside.block(5, 7, 40, 20) = before.block(5, 7, 40, 20);
  CHECK(outside == before);
}

TEST_CASE("detail::gemm: a product split over two threads gives the bits of one thread", "[core][gemm][threads]") {
  // 256 x 512 x 256 = 33.6 M multiply-adds: over parallel_gemm_work, so with OpenMP it splits by
  // rows (dst taller than wide) or by columns (wider), with operands stored plain or transposed.
  keisan::detail::GemmWorkspace<float> ws;
  const int threads_before = keisan::num_threads();
  for (const bool wide : {false, true}) {
    const Index m = wide ? 256 : 512, n = wide ? 512 : 256;
    const Matrix<float> a = random_matrix<float>(m, 256, 31), b = random_matrix<float>(256, n, 32);
    const Matrix<float> at = a.transpose(), bt = b.transpose();
    const Matrix<float> want = a * b;
    for (const bool transposed : {false, true}) {
      CAPTURE(wide, transposed);
      const auto product = [&](Matrix<float>& dst) {
        if (transposed)
          keisan::detail::gemm(dst, at.transpose(), bt.transpose(), false, ws);
        else
          keisan::detail::gemm(dst, a, b, false, ws);
      };
      Matrix<float> one, two;
      keisan::set_num_threads(1);
      product(one);
      keisan::set_num_threads(2);
#ifdef _OPENMP
      CHECK(keisan::detail::gemm_threads(m, n, 256) == 2);
#endif
      product(two);
      keisan::set_num_threads(threads_before);
      CHECK(one == two);
      CHECK((one - want).cwiseAbs().maxCoeff() <= 1e-3f);
    }
  }
}

TEST_CASE("detail::gemm: signals handled on the multiplying thread corrupt neither heap nor result", "[core][gemm]") {
  // oneDNN's f32 kernels before 3.11.2 point rsp into the heap while they run (oneDNN #4845): a
  // handled signal then wrote its frame there, and a later free() aborted. A second thread sends
  // SIGUSR2 to this one every ~20 us while it multiplies W1's and W2's shapes.
  struct sigaction action {}, before{};
  action.sa_handler = count_signal;
  sigemptyset(&action.sa_mask);
  REQUIRE(sigaction(SIGUSR2, &action, &before) == 0);
  signals_handled = 0;
  keisan::detail::GemmWorkspace<float> ws;
  const Matrix<float> x = random_matrix<float>(128, 784, 21), w1 = random_matrix<float>(784, 512, 22);
  const Matrix<float> h = random_matrix<float>(50, 784, 23), w2 = random_matrix<float>(784, 50, 24);
  const Matrix<float> want1 = x * w1, want2 = h * w2, want3 = x.transpose() * x;
  std::atomic<bool> done{false};
  const pthread_t target = pthread_self();
  std::thread sender([&] {
    while (!done.load()) {
      pthread_kill(target, SIGUSR2);
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  });
  Matrix<float> c1, c2, c3;
  float worst = 0;
  for (int i = 0; i < 60; ++i) {
    keisan::detail::gemm(c1, x, w1, false, ws);
    keisan::detail::gemm(c2, h, w2, false, ws);
    keisan::detail::gemm(c3, x.transpose(), x, false, ws);
    worst = std::max({worst, (c1 - want1).cwiseAbs().maxCoeff(), (c2 - want2).cwiseAbs().maxCoeff(),
                      (c3 - want3).cwiseAbs().maxCoeff()});
    const std::vector<float> churn(static_cast<std::size_t>(1000 + 997 * i));  // malloc and free
  }
  done = true;
  sender.join();
  REQUIRE(sigaction(SIGUSR2, &before, nullptr) == 0);
  CHECK(signals_handled > 0);
  CHECK(worst <= 1e-5F * 784);
}
