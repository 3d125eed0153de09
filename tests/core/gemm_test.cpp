// keisan tests: detail::gemm, the one place every matrix product goes through (Eigen's kernel, or
// oneDNN's sgemm for float with KEISAN_USE_ONEDNN, as set_gemm_kernel chooses), against Eigen's
// plain product: every transpose, assign and accumulate, a block of a larger matrix as
// destination, empty and tiny shapes, the same bits on one thread and two, products that signals
// interrupt, and detail::thin_product (a oneDNN product's last columns on AVX2).
// SPDX-License-Identifier: MIT
#include "keisan/detail/gemm.hpp"

#include <signal.h>  // sigaction, pthread_kill

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <limits>
#include <thread>
#include <type_traits>
#include <vector>

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

/// The kernel settings this build can run for Scalar: automatic and Eigen's, and oneDNN's with
/// KEISAN_USE_ONEDNN, for float; double always runs Eigen's kernel.
template <class Scalar>
std::vector<keisan::GemmKernel> kernels() {
  if (!std::is_same_v<Scalar, float>) return {keisan::GemmKernel::automatic};
  std::vector<keisan::GemmKernel> all{keisan::GemmKernel::automatic, keisan::GemmKernel::eigen};
  if (keisan::has_onednn()) all.push_back(keisan::GemmKernel::onednn);
  return all;
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
  // tiny product (Eigen's lazy path), depth 0 and sizes that are no multiple of any tile. With
  // oneDNN on AVX-512 the last n mod 16 < 8 columns of a product run transposed: 50 (48 + 2),
  // 20 (16 + 4), 5 (all of them), 17 and 1 (a tail of 1: oneDNN's gemv), 23 (16 + 7); not split:
  // 15 rows, or 65 columns at depth 17 (too few). On AVX2 the last n mod 8 <= 3 columns, through
  // thin_product: 50 (48 + 2), 17 (16 + 1), 1, 11 (8 + 3), 26 (24 + 2); 300 columns are wide
  // enough for Eigen's kernel when B is stored row by row. Every kernel setting the build has.
  const Shape shapes[] = {{100, 50, 784}, {784, 50, 100}, {100, 10, 50}, {50, 10, 100}, {100, 784, 50}, {3, 4, 5},
                          {1, 1, 1},      {7, 5, 0},      {33, 65, 17},  {1, 300, 200}, {64, 20, 33},   {100, 5, 300},
                          {15, 50, 40},   {100, 17, 64},  {64, 1, 40},   {100, 23, 64}, {100, 11, 64},  {33, 26, 40}};
  for (const keisan::GemmKernel kernel : kernels<TestType>()) {
    CAPTURE(static_cast<int>(kernel));
    const keisan::GemmKernelScope scope(kernel);
    for (const Shape& s : shapes)
      for (const bool ta : {false, true})
        for (const bool tb : {false, true}) check_product<TestType>(s.m, s.n, s.k, ta, tb);
  }
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

TEMPLATE_TEST_CASE("detail::gemm: a product split over 2 or 3 threads gives the bits of one thread",
                   "[core][gemm][threads]", float, double) {
  // Over parallel_gemm_work (16 M multiply-adds), so with OpenMP these split: by rows (dst taller
  // than wide; 517 rows make uneven slices) or by columns (wider), operands stored plain or
  // transposed, assigned over a NaN-filled destination of the right shape, and accumulated. 259,
  // 517 and 257 columns end in 3, 5 and 1 columns that oneDNN's products run transposed (on
  // AVX-512; 3 and 1 on AVX2): in every row slice, or in the last column slice. Every kernel
  // setting the build has.
  using T = TestType;
  keisan::detail::GemmWorkspace<T> ws;
  const int threads_before = keisan::num_threads();
  struct Shape {
    Index m, n;
  };
  for (const auto& [shape, kernel] : [] {
         std::vector<std::pair<Shape, keisan::GemmKernel>> all;
         for (const keisan::GemmKernel kernel : kernels<T>())
           for (const Shape shape :
                {Shape{512, 256}, Shape{256, 512}, Shape{517, 259}, Shape{259, 517}, Shape{300, 257}})
             all.emplace_back(shape, kernel);
         return all;
       }()) {
    const keisan::GemmKernelScope scope(kernel);
    const Index m = shape.m, n = shape.n, k = 256;
    const Matrix<T> a = random_matrix<T>(m, k, 31), b = random_matrix<T>(k, n, 32), c0 = random_matrix<T>(m, n, 33);
    const Matrix<T> at = a.transpose(), bt = b.transpose();
    const Matrix<T> want = a * b;
    const T tol = tolerance<T>() * static_cast<T>(k) * 4;
    for (const bool transposed : {false, true}) {
      for (const bool accumulate : {false, true}) {
        const auto product = [&](int threads) {
          keisan::set_num_threads(threads);
#ifdef _OPENMP
          CHECK(keisan::detail::gemm_threads(m, n, k) == threads);
#endif
          Matrix<T> dst = accumulate ? c0 : Matrix<T>::Constant(m, n, std::numeric_limits<T>::quiet_NaN());
          if (transposed)
            keisan::detail::gemm(dst, at.transpose(), bt.transpose(), accumulate, ws);
          else
            keisan::detail::gemm(dst, a, b, accumulate, ws);
          keisan::set_num_threads(threads_before);
          return dst;
        };
        CAPTURE(m, n, transposed, accumulate, static_cast<int>(kernel));
        const Matrix<T> one = product(1);
        CHECK(one.allFinite());
        CHECK(((one - want - (accumulate ? c0 : Matrix<T>::Zero(m, n))).cwiseAbs().maxCoeff() <= tol));
        CHECK(one == product(2));
        CHECK(one == product(3));
      }
    }
  }
}

TEST_CASE("detail::gemm: signals handled on the multiplying thread corrupt neither heap nor result", "[core][gemm]") {
  // oneDNN's f32 kernels before 3.11.2 point rsp into the heap while they run (oneDNN #4845): a
  // handled signal then wrote its frame there, and a later free() aborted or the product
  // segfaulted. A second thread sends SIGUSR2 to this one every ~20 us while it multiplies W1's
  // shapes (without keisan's signal mask this loop aborted in 5 runs of 5 with oneDNN 2.6.3).
  struct sigaction action {
  }, before{};
  action.sa_handler = count_signal;
  sigemptyset(&action.sa_mask);
  REQUIRE(sigaction(SIGUSR2, &action, &before) == 0);
  sigset_t mask_before;
  REQUIRE(pthread_sigmask(SIG_SETMASK, nullptr, &mask_before) == 0);
  signals_handled = 0;
  keisan::detail::GemmWorkspace<float> ws;
  const Matrix<float> x = random_matrix<float>(100, 784, 21), w1 = random_matrix<float>(784, 50, 22);
  const Matrix<float> h = random_matrix<float>(50, 784, 23);
  const Matrix<float> want1 = x * w1, want2 = h * w1;
  std::atomic<bool> done{false};
  std::atomic<int> sent{0};
  const pthread_t target = pthread_self();
  std::thread sender([&] {
    while (!done.load()) {
      pthread_kill(target, SIGUSR2);
      sent.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  });
  Matrix<float> c1, c2;
  float worst = 0;
  // At least 40 rounds, and on until 200 signals were sent (the sender may start late).
  for (int i = 0; (i < 40 || sent.load() < 200) && i < 100000; ++i) {
    keisan::detail::gemm(c1, x, w1, false, ws);
    keisan::detail::gemm(c2, h, w1, false, ws);
    worst = std::max({worst, (c1 - want1).cwiseAbs().maxCoeff(), (c2 - want2).cwiseAbs().maxCoeff()});
    const std::vector<float> churn(static_cast<std::size_t>(1000 + 997 * (i % 64)));  // malloc and free
  }
  done = true;
  sender.join();
  sigset_t mask_after;
  REQUIRE(pthread_sigmask(SIG_SETMASK, nullptr, &mask_after) == 0);
  REQUIRE(sigaction(SIGUSR2, &before, nullptr) == 0);
  CHECK(signals_handled > 0);
  CHECK(worst <= 1e-5F * 784);
  for (const int sig : {SIGINT, SIGUSR1, SIGUSR2, SIGALRM, SIGPROF, SIGCHLD})  // the mask is as it was
    CHECK(sigismember(&mask_after, sig) == sigismember(&mask_before, sig));
}

TEST_CASE("detail::gemm: a column of a row-major matrix as right-hand side (a compile-time vector)", "[core][gemm]") {
  // Its outer stride is 1 and its elements a row stride apart: oneDNN's sgemm cannot take it, so
  // vectors stay on Eigen's kernel.
  keisan::detail::GemmWorkspace<float> ws;
  const Matrix<float> a = random_matrix<float>(40, 30, 41), b = random_matrix<float>(30, 20, 42);
  Matrix<float> dst;
  keisan::detail::gemm(dst, a, b.col(3), false, ws);
  const Matrix<float> want = a * b.col(3);
  REQUIRE(dst.rows() == 40);
  REQUIRE(dst.cols() == 1);
  CHECK((dst - want).cwiseAbs().maxCoeff() <= 1e-4F);
}

#ifdef KEISAN_USE_ONEDNN
TEST_CASE("detail::onednn_runs: the kernel each product takes, and the last columns split off", "[core][gemm]") {
  using keisan::detail::onednn_runs;
  using keisan::detail::onednn_tail_columns;
  const keisan::GemmKernelScope scope(keisan::GemmKernel::automatic);
  if (keisan::detail::onednn_avx512()) {  // oneDNN for everything; a remainder of 1-7 past 16
    CHECK(onednn_runs(128, 512, 512, true));
    CHECK(onednn_runs(2048, 1024, 1024, true));
    CHECK(onednn_tail_columns(100, 50, 784) == 2);  // 48 + 2
    CHECK(onednn_tail_columns(100, 23, 784) == 7);
    CHECK(onednn_tail_columns(100, 58, 784) == 0);  // 48 + 10
  } else {  // Eigen's for wide products with B stored row by row and for large ones
    CHECK_FALSE(onednn_runs(128, 512, 512, true));
    CHECK_FALSE(onednn_runs(128, 128, 512, true));
    CHECK(onednn_runs(128, 127, 512, true));
    CHECK(onednn_runs(128, 10, 512, true));
    CHECK(onednn_runs(64, 512, 256, false));           // B transposed (8 M multiply-adds)
    CHECK_FALSE(onednn_runs(2048, 100, 1024, false));  // 210 M multiply-adds: would be cut over threads
    CHECK(onednn_tail_columns(100, 50, 784) == 2);     // 48 + 2
    CHECK(onednn_tail_columns(100, 51, 784) == 3);
    CHECK(onednn_tail_columns(100, 52, 784) == 0);  // 48 + 4
    CHECK(onednn_tail_columns(100, 48, 784) == 0);
  }
  CHECK(onednn_tail_columns(15, 50, 784) == 0);  // too few rows
  CHECK(onednn_tail_columns(100, 50, 31) == 0);  // too shallow
  keisan::set_gemm_kernel(keisan::GemmKernel::eigen);
  CHECK_FALSE(onednn_runs(128, 10, 512, true));
  keisan::set_gemm_kernel(keisan::GemmKernel::onednn);
  CHECK(onednn_runs(2048, 1024, 1024, true));
}

TEST_CASE("detail::onednn_sgemm: a refused call returns false and leaves C as it was", "[core][gemm]") {
  // lda 3 < k 5 for a plain row-major A: oneDNN rejects it (gemm() then runs Eigen's kernel).
  const Matrix<float> a = random_matrix<float>(4, 5, 51), b = random_matrix<float>(5, 6, 52);
  Matrix<float> c = random_matrix<float>(4, 6, 53);
  const Matrix<float> before = c;
  CHECK_FALSE(keisan::detail::onednn_sgemm(false, false, 4, 6, 5, a.data(), 3, b.data(), 6, 0.0F, c.data(), 6));
  CHECK(c == before);
  CHECK(keisan::detail::onednn_sgemm(false, false, 4, 6, 5, a.data(), 5, b.data(), 6, 0.0F, c.data(), 6));
  CHECK((c - a * b).cwiseAbs().maxCoeff() <= 1e-4F);
  // With its last 2 columns transposed: refused, C is still as it was, whether the transposed call
  // refuses too (lda 3: oneDNN's transposed product on AVX-512; thin_product, without AVX-512,
  // never refuses and reads within A) or only the main one (ldc 3 < its 4 columns: the transposed
  // part waits in the scratch until the rest succeeded); accepted, it adds them in with beta 1.
  std::vector<float> scratch(2 * (4 + 5));
  const Matrix<float> product = c;
  CHECK_FALSE(keisan::detail::onednn_sgemm(false, false, 4, 6, 5, a.data(), 3, b.data(), 6, 1.0F, c.data(), 6, 2,
                                           scratch.data()));
  CHECK(c == product);
  CHECK_FALSE(keisan::detail::onednn_sgemm(false, false, 4, 6, 5, a.data(), 5, b.data(), 6, 1.0F, c.data(), 3, 2,
                                           scratch.data()));
  CHECK(c == product);
  CHECK(keisan::detail::onednn_sgemm(false, false, 4, 6, 5, a.data(), 5, b.data(), 6, 1.0F, c.data(), 6, 2,
                                     scratch.data()));
  CHECK((c - 2 * a * b).cwiseAbs().maxCoeff() <= 1e-4F);
}
#endif

TEST_CASE("detail::thin_product: 1 to 3 rows against Eigen's product, A plain or transposed", "[core][gemm]") {
  // D (t x m) = Bt op(A)^T. m and k run through no multiple, one, and many of a packet (8 floats
  // with AVX2, 16 with AVX-512) and of the kernel's 4-row and 4-packet blocks.
  for (const Index t : {1, 2, 3})
    for (const Index m : {1, 5, 16, 33, 100, 131})
      for (const Index k : {1, 7, 8, 9, 33, 100})
        for (const bool ta : {false, true}) {
          CAPTURE(t, m, k, ta);
          const Matrix<float> bt = random_matrix<float>(t, k + 3, 61);  // rows k + 3 apart
          const Matrix<float> a = ta ? random_matrix<float>(k, m + 2, 62) : random_matrix<float>(m, k + 2, 62);
          Matrix<float> d = Matrix<float>::Constant(t, m, std::numeric_limits<float>::quiet_NaN());
          keisan::detail::thin_product(ta, t, m, k, bt.data(), bt.cols(), a.data(), a.cols(), d.data());
          const Matrix<float> op_a = ta ? Matrix<float>(a.leftCols(m).transpose()) : Matrix<float>(a.leftCols(k));
          const Matrix<float> want = bt.leftCols(k) * op_a.transpose();
          CHECK((d - want).cwiseAbs().maxCoeff() <= 1e-6F * static_cast<float>(k));
          // The last rows of op(A) alone (a slice another thread would compute) give the same bits.
          const Index skip = m / 3;
          Matrix<float> part(t, m - skip);
          const float* a_part = ta ? a.data() + skip : a.data() + skip * a.cols();
          keisan::detail::thin_product(ta, t, m - skip, k, bt.data(), bt.cols(), a_part, a.cols(), part.data());
          CHECK(part == d.rightCols(m - skip));
        }
}

TEST_CASE("set_gemm_kernel: sets and reads back the kernel; oneDNN only in a build that has it", "[core][gemm]") {
  REQUIRE(keisan::gemm_kernel() == keisan::GemmKernel::automatic);
  {
    const keisan::GemmKernelScope eigen_only(keisan::GemmKernel::eigen);
    CHECK(keisan::gemm_kernel() == keisan::GemmKernel::eigen);
  }
  CHECK(keisan::gemm_kernel() == keisan::GemmKernel::automatic);  // the scope put it back
  const keisan::GemmKernelScope scope(keisan::GemmKernel::eigen);
  CHECK(keisan::gemm_kernel() == keisan::GemmKernel::eigen);
  keisan::set_gemm_kernel(keisan::GemmKernel::automatic);
  CHECK(keisan::gemm_kernel() == keisan::GemmKernel::automatic);
  if (keisan::has_onednn()) {
    keisan::set_gemm_kernel(keisan::GemmKernel::onednn);
    CHECK(keisan::gemm_kernel() == keisan::GemmKernel::onednn);
  } else {
    REQUIRE_THROWS_MATCHES(keisan::set_gemm_kernel(keisan::GemmKernel::onednn), keisan::ValueError,
                           Catch::Matchers::Message("keisan::set_gemm_kernel: this build has no oneDNN (build with "
                                                    "-DKEISAN_USE_ONEDNN=ON)"));
    CHECK(keisan::gemm_kernel() == keisan::GemmKernel::automatic);  // the refused call changed nothing
    REQUIRE_THROWS_AS(keisan::GemmKernelScope(keisan::GemmKernel::onednn), keisan::ValueError);
    CHECK(keisan::gemm_kernel() == keisan::GemmKernel::automatic);
  }
}
