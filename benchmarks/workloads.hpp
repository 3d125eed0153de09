// keisan benchmarks: the reference workloads (W1 book net, W2 wide net) and their raw GEMM
// floors, shared by every benchmark so results compare with other libraries.
// SPDX-License-Identifier: MIT
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <keisan/keisan.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "gemm_libraries.hpp"

#if defined(KEISAN_BENCH_HAS_CBLAS)
#include <cblas.h>
#endif

namespace bench {

using keisan::Index;
using keisan::Matrix;

struct Workload {
  const char* name;
  std::vector<Index> sizes;  // layer widths, input first
  bool relu;                 // hidden activation: relu, else sigmoid
  Index batch;
};

/// W1 "book net": 784-50-10, sigmoid, batch 100. W2 "wide net": 784-512-512-10, ReLU, batch 128.
inline const Workload W1{"W1", {784, 50, 10}, false, 100};
inline const Workload W2{"W2", {784, 512, 512, 10}, true, 128};
inline const Workload& workload(int i) {
  return i == 1 ? W1 : W2;
}

inline Index parameter_count(const std::vector<Index>& sizes) {
  Index p = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) p += sizes[l] * sizes[l + 1] + sizes[l + 1];
  return p;
}

/// FLOPs of the GEMMs of one training step: forward X*W per layer, dW = X^T dY per layer,
/// dX = dY W^T for every layer but the first.
inline double step_flops(const std::vector<Index>& sizes, Index batch) {
  double f = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const double gemm = 2.0 * static_cast<double>(batch * sizes[l] * sizes[l + 1]);
    f += (l == 0 ? 2 : 3) * gemm;
  }
  return f;
}

inline keisan::Sequential<float> make_net(const std::vector<Index>& sizes, bool relu, std::uint64_t seed) {
  keisan::Rng rng(seed);
  keisan::Sequential<float> net;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    net.add(keisan::Affine<float>(sizes[l], sizes[l + 1], relu ? keisan::Init::he : keisan::Init::book, rng));
    if (l + 2 < sizes.size()) {
      if (relu)
        net.add(keisan::ReLU<float>());
      else
        net.add(keisan::Sigmoid<float>());
    }
  }
  return net;
}

/// A random dataset of `rows` samples (10 batches unless given), labels 0-9. Stored as the
/// MNIST example stores its images, bytes read as pixel / 255 (Stored = std::uint8_t), or as
/// float pixels in [0, 1).
template <class Stored = std::uint8_t>
inline keisan::Dataset<float, Stored> make_data(Index features, Index batch, std::uint64_t seed, Index rows = 0) {
  keisan::Rng rng(seed);
  const Index n = rows > 0 ? rows : 10 * batch;
  Matrix<Stored> x(n, features);
  for (Index i = 0; i < x.size(); ++i) {
    if constexpr (std::is_same_v<Stored, float>)
      x.data()[i] = static_cast<float>(keisan::uniform_unit(rng));
    else
      x.data()[i] = static_cast<Stored>(keisan::uniform_index(rng, 256));
  }
  std::vector<int> y(static_cast<std::size_t>(n));
  for (auto& l : y) l = static_cast<int>(keisan::uniform_index(rng, 10));
  return keisan::Dataset<float, Stored>(std::move(x), std::move(y), 10,
                                        std::is_same_v<Stored, float> ? 1.0f : 1.0f / 255);
}

/// The floor: exactly the GEMMs a training step needs, preallocated, nothing else.
struct Floor {
  std::vector<Matrix<float>> act, grad, w, dw;  // act[l]: input of layer l; grad[l]: dL/d act[l]
  Floor(const std::vector<Index>& sizes, Index batch) {
    keisan::Rng rng(1);
    for (std::size_t l = 0; l < sizes.size(); ++l) {
      act.push_back(Matrix<float>::Constant(batch, sizes[l], 0.5f));
      grad.push_back(Matrix<float>::Constant(batch, sizes[l], 0.01f));
    }
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
      w.push_back(Matrix<float>::Constant(sizes[l], sizes[l + 1], 0.01f));
      dw.push_back(Matrix<float>::Zero(sizes[l], sizes[l + 1]));
    }
  }
  void eigen_step() {
    const std::size_t layers = w.size();
    for (std::size_t l = 0; l < layers; ++l) act[l + 1].noalias() = act[l] * w[l];
    for (std::size_t l = layers; l-- > 0;) {
      dw[l].noalias() = act[l].transpose() * grad[l + 1];
      if (l > 0) grad[l].noalias() = grad[l + 1] * w[l].transpose();
    }
  }
  /// The same GEMMs through keisan's own product (keisan::detail::gemm: the kernel the build
  /// chose, oneDNN's remainder columns transposed), with its workspace: what the step's products
  /// alone cost, so the step against it is keisan's overhead beyond its GEMMs.
  void keisan_step(keisan::detail::GemmWorkspace<float>& ws) {
    const std::size_t layers = w.size();
    for (std::size_t l = 0; l < layers; ++l) keisan::detail::gemm(act[l + 1], act[l], w[l], false, ws);
    for (std::size_t l = layers; l-- > 0;) {
      keisan::detail::gemm(dw[l], act[l].transpose(), grad[l + 1], false, ws);
      if (l > 0) keisan::detail::gemm(grad[l], grad[l + 1], w[l].transpose(), false, ws);
    }
  }
  /// The same GEMMs through a row-major sgemm (OpenBLAS's cblas_sgemm, or one of gemm_libraries()).
  void step(Sgemm f) {
    const std::size_t layers = w.size();
    for (std::size_t l = 0; l < layers; ++l) call(f, false, false, act[l], w[l], act[l + 1]);
    for (std::size_t l = layers; l-- > 0;) {
      call(f, true, false, act[l], grad[l + 1], dw[l]);
      if (l > 0) call(f, false, true, grad[l + 1], w[l], grad[l]);
    }
  }
  static void call(Sgemm f, bool ta, bool tb, const Matrix<float>& a, const Matrix<float>& b, Matrix<float>& c) {
    f(ta, tb, static_cast<int>(c.rows()), static_cast<int>(c.cols()), static_cast<int>(ta ? a.rows() : a.cols()),
      a.data(), static_cast<int>(a.cols()), b.data(), static_cast<int>(b.cols()), c.data(), static_cast<int>(c.cols()));
  }
#if defined(KEISAN_BENCH_HAS_CBLAS)
  static void cblas(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
                    int ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b,
                ldb, 0.0f, c, ldc);
  }
  static void sgemm(bool ta, bool tb, const Matrix<float>& a, const Matrix<float>& b, Matrix<float>& c) {
    call(cblas, ta, tb, a, b, c);
  }
  void blas_step() {
    step(cblas);
  }
#endif
};

}  // namespace bench
