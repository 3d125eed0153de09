// keisan: which kernel single-precision matrix products run on (Eigen's, or oneDNN's sgemm in a
// build with KEISAN_USE_ONEDNN), chosen per product by the CPU and the product's shape unless set.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>

#include "keisan/core/error.hpp"

namespace keisan {

/// The kernel single-precision products run on. Double precision always runs Eigen's.
enum class GemmKernel {
  /// Per product, the one measured faster on this CPU family (docs/benchmarks.md): oneDNN for every
  /// product where oneDNN runs its AVX-512 kernels. Elsewhere (AVX2; measured on Zen 3), oneDNN
  /// for products small enough for one thread (under 16 M multiply-adds) that are narrow (under 128
  /// columns) or have a transposed right-hand side: the convolutions' 16-64 filters and the
  /// classifiers ran 1.1-1.5x faster there. Eigen's for the rest (oneDNN's AVX2 sgemm ran W2's
  /// 128x512x512 forward 1.4x slower, and gave other bits when a product was cut over threads).
  /// Without oneDNN in the build, Eigen's.
  automatic,
  eigen,  ///< Eigen's kernel, with blocks keisan lends (no allocation).
  /// oneDNN's sgemm for every product it takes (a build with KEISAN_USE_ONEDNN only). Without
  /// AVX-512 a product then runs whole on one thread, so the bits stay the same at any thread count.
  onednn,
};

/// Whether this build can run products on oneDNN (compiled with KEISAN_USE_ONEDNN).
[[nodiscard]] constexpr bool has_onednn() noexcept {
#ifdef KEISAN_USE_ONEDNN
  return true;
#else
  return false;
#endif
}

namespace detail {
inline std::atomic<GemmKernel>& gemm_kernel_setting() noexcept {
  static std::atomic<GemmKernel> kernel{GemmKernel::automatic};
  return kernel;
}
}  // namespace detail

/// Sets the kernel every later single-precision product runs on, for the whole process (set it
/// before products run on other threads). Results differ in the last bits between kernels; the
/// same setting, shapes and thread count give the same bits. Throws ValueError for
/// GemmKernel::onednn in a build without oneDNN.
inline void set_gemm_kernel(GemmKernel kernel) {
  if (kernel == GemmKernel::onednn && !has_onednn())
    throw ValueError("keisan::set_gemm_kernel: this build has no oneDNN (build with -DKEISAN_USE_ONEDNN=ON)");
  detail::gemm_kernel_setting().store(kernel, std::memory_order_relaxed);
}

/// The kernel set with set_gemm_kernel (GemmKernel::automatic unless set).
[[nodiscard]] inline GemmKernel gemm_kernel() noexcept {
  return detail::gemm_kernel_setting().load(std::memory_order_relaxed);
}

/// Sets the GEMM kernel while it lives, then puts back the one before: a benchmark or a test that
/// compares kernels on the same products. Process-wide, like set_gemm_kernel.
/// @code
/// {
///   const keisan::GemmKernelScope eigen_only(keisan::GemmKernel::eigen);
///   train_one_epoch();  // every float product on Eigen's kernel
/// }                     // the kernel before, again
/// @endcode
class GemmKernelScope {
 public:
  /// Throws ValueError as set_gemm_kernel does (then nothing changed).
  explicit GemmKernelScope(GemmKernel kernel) : before_(gemm_kernel()) { set_gemm_kernel(kernel); }
  ~GemmKernelScope() { detail::gemm_kernel_setting().store(before_, std::memory_order_relaxed); }
  GemmKernelScope(const GemmKernelScope&) = delete;
  GemmKernelScope& operator=(const GemmKernelScope&) = delete;

 private:
  GemmKernel before_;
};

}  // namespace keisan
