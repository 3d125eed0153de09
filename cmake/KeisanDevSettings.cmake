# Flags for keisan's own tests, examples and benchmarks only: never for users of the library.
add_library(keisan_dev_settings INTERFACE)
target_compile_options(keisan_dev_settings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow>)
option(KEISAN_WERROR "Treat warnings as errors in keisan's own targets" OFF)
if(KEISAN_WERROR)
  target_compile_options(keisan_dev_settings INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:-Werror>)
endif()
# Eigen arrives through an imported target, so the compiler already treats it as a system
# include: its warnings are not ours to fix, ours are errors.
#
# Except two that -isystem cannot silence: optimised GCC (12 at least) reports
# -Wuninitialized / -Wmaybe-uninitialized *after inlining*, at a call site in our code, for the
# deliberately uninitialised `__Y` of its own AVX-512 intrinsic headers (`__m512 __Y = __Y;` in
# _mm512_undefined_ps/pd, avx512fintrin.h) as Eigen's packet math reaches them (ptranspose,
# pmin/pmax, pround): with -march=native on an AVX-512 machine that was ~300 warnings and 12,000
# lines for the MNIST example alone, none of them about keisan's code. So: GCC, optimised builds
# only. The sanitized Debug build (-O0, no inlining) keeps both warnings, as errors, for our own
# code; scripts/test.sh fails its release step if any other warning appears.
target_compile_options(keisan_dev_settings INTERFACE
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<NOT:$<CONFIG:Debug>>>:-Wno-uninitialized -Wno-maybe-uninitialized>)

# -march=native for keisan's own programs (examples, benchmarks): the machine's full SIMD width.
# On AMD Zen, GCC's -march=native also means -mtune=znver3 (GCC 12 on Zen 4 and Zen 5), and that
# tuning makes Eigen's GEMM kernel 1.27x slower than -mtune=generic with the same instruction set
# (W2 floor 2.35 vs 1.84 ms on an EPYC Zen 5; 6.55 vs 4.71-4.97 ms on a Zen 3, the CPU znver3 is
# tuned for; docs/benchmarks.md): there we tune generically.
option(KEISAN_NATIVE "Build keisan's own programs with -march=native" OFF)
if(KEISAN_NATIVE)
  set(_keisan_native -march=native)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -march=native -Q --help=target
                    OUTPUT_VARIABLE _keisan_target ERROR_QUIET RESULT_VARIABLE _keisan_rc)
    if(_keisan_rc EQUAL 0 AND _keisan_target MATCHES "-mtune=[ \t]+(znver[0-9]*)")
      list(APPEND _keisan_native -mtune=generic)
      message(STATUS "keisan: -march=native tunes for ${CMAKE_MATCH_1}; adding -mtune=generic (faster GEMM)")
    endif()
  endif()
  target_compile_options(keisan_dev_settings INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:${_keisan_native}>)
endif()

# OpenMP for keisan's own programs: Eigen's GEMMs may then use keisan::set_num_threads() threads.
option(KEISAN_OPENMP "Build keisan's own programs with OpenMP" OFF)
if(KEISAN_OPENMP)
  find_package(OpenMP REQUIRED)
  target_link_libraries(keisan_dev_settings INTERFACE OpenMP::OpenMP_CXX)
endif()
