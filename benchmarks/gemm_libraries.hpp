// keisan benchmarks: the single-precision GEMMs of other libraries on this machine (BLIS,
// oneDNN), loaded at run time so that a floor can be timed with each of them without linking them
// (BLIS also exports the BLAS and CBLAS symbols OpenBLAS does; loaded RTLD_LOCAL, and called only
// through its own typed API, it cannot take OpenBLAS's place). A library that is not installed is
// simply absent from the list.
// SPDX-License-Identifier: MIT
#pragma once

#include <dlfcn.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// Row-major C (m x n) = op(A) op(B), op(A) m x k, op(B) k x n; lda/ldb/ldc are row strides.
using Sgemm = void (*)(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                       float* c, int ldc);

struct GemmLibrary {
  std::string name;  // as in benchmark names: "blis", "onednn"
  Sgemm sgemm;
};

namespace detail {

inline void* symbol(const char* library, const char* name) {
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  return handle ? dlsym(handle, name) : nullptr;
}

// BLIS's typed API (blis.h, 0.9): bli_sgemm(transa, transb, m, n, k, alpha, a, rsa, csa, b, rsb,
// csb, beta, c, rsc, csc), dim_t and inc_t 64-bit. Transposes are given as strides.
using BliSgemm = void (*)(int, int, std::int64_t, std::int64_t, std::int64_t, const float*, const float*, std::int64_t,
                          std::int64_t, const float*, std::int64_t, std::int64_t, const float*, float*, std::int64_t,
                          std::int64_t);
inline BliSgemm bli_sgemm = nullptr;
inline void blis(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
                 int ldc) {
  const float one = 1.0f, zero = 0.0f;
  bli_sgemm(0, 0, m, n, k, &one, a, ta ? 1 : lda, ta ? lda : 1, b, tb ? 1 : ldb, tb ? ldb : 1, &zero, c, ldc, 1);
}

// oneDNN (dnnl.h): dnnl_sgemm(transa, transb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc),
// row-major, dnnl_dim_t 64-bit; returns a status.
using DnnlSgemm = int (*)(char, char, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                          const float*, std::int64_t, float, float*, std::int64_t);
inline DnnlSgemm dnnl_sgemm = nullptr;
inline void onednn(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
                   int ldc) {
  dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}

}  // namespace detail

/// The libraries found: BLIS (libblis.so.4, Debian's libblis-dev) and oneDNN (libdnnl.so.2,
/// libdnnl-dev). Their thread pools follow BLIS_NUM_THREADS and OMP_NUM_THREADS.
inline std::vector<GemmLibrary> gemm_libraries() {
  std::vector<GemmLibrary> found;
  detail::bli_sgemm = reinterpret_cast<detail::BliSgemm>(detail::symbol("libblis.so.4", "bli_sgemm"));
  if (detail::bli_sgemm) found.push_back({"blis", detail::blis});
  detail::dnnl_sgemm = reinterpret_cast<detail::DnnlSgemm>(detail::symbol("libdnnl.so.2", "dnnl_sgemm"));
  if (detail::dnnl_sgemm) found.push_back({"onednn", detail::onednn});
  return found;
}

}  // namespace bench
