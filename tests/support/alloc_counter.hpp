// keisan tests: counts heap allocations, both kinds a training step could make:
// operator new (std containers, the tape) through a replaced global operator new, and Eigen's
// own malloc through EIGEN_RUNTIME_NO_MALLOC, which this header turns into a counted event.
// Include it first, in exactly one translation unit of a test executable whose other TUs do
// not include Eigen (the macros below must be the same in every TU that does).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace keisan::test {
inline std::atomic<long> g_allocations{0};
inline std::atomic<bool> g_counting{false};
inline void note_eigen_malloc() {
  g_allocations.fetch_add(1);
}
}  // namespace keisan::test

// Eigen asks is_malloc_allowed() before every heap allocation; when we count, it says no and
// eigen_assert lands here instead of aborting.
#define EIGEN_RUNTIME_NO_MALLOC
#define eigen_assert(x) ((x) ? (void)0 : keisan::test::note_eigen_malloc())

// Every form of new and delete is replaced, so they all pair malloc with free (a form left to the
// runtime, e.g. Catch's nothrow new, would reach our delete and trip ASan's mismatch check).
namespace keisan::test {
inline void* counted_malloc(std::size_t n) {
  if (g_counting.load()) g_allocations.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
inline void* counted_aligned(std::size_t n, std::align_val_t a) {
  if (g_counting.load()) g_allocations.fetch_add(1);
  const auto align = static_cast<std::size_t>(a);
  return std::aligned_alloc(align, (n + align - 1) / align * align);
}
}  // namespace keisan::test

void* operator new(std::size_t n) {
  if (void* p = keisan::test::counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = keisan::test::counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return keisan::test::counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return keisan::test::counted_malloc(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = keisan::test::counted_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = keisan::test::counted_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

#include <Eigen/Core>

namespace keisan::test {
/// Counts the heap allocations `f()` makes (operator new plus Eigen's malloc).
template <class F>
long count_allocations(F&& f) {
  g_allocations = 0;
  g_counting = true;
  Eigen::internal::set_is_malloc_allowed(false);
  f();
  Eigen::internal::set_is_malloc_allowed(true);
  g_counting = false;
  return g_allocations.load();
}
}  // namespace keisan::test
