# keisan tests: the scripts refuse bad arguments with a message naming them, before doing any work.
# -DSOURCE=<source dir>
cmake_minimum_required(VERSION 3.21)
function(expect_refusal pattern)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${pattern}")
    message(FATAL_ERROR "${ARGN}: expected exit 2 and '${pattern}', got ${rc}:\n${out}${err}")
  endif()
  message(STATUS "ok: ${ARGN} -> ${err}")
endfunction()
expect_refusal("scripts/test.sh: unknown step 'tests' \\(steps: dev release lint fuzz\\)" scripts/test.sh tests)
expect_refusal("SECONDS: a positive whole number, got 'ten'" scripts/fuzz.sh ten)
expect_refusal("scripts/fuzz.sh: unknown target 'png' \\(targets: idx safetensors\\)" scripts/fuzz.sh 5 png)
# The benchmark scripts, too (checked before torch is looked for: CI has none).
expect_refusal("usage: benchmarks/thread_scaling.sh MNIST_DIR OUT_DIR" benchmarks/thread_scaling.sh)
expect_refusal("\\(unknown argument '--thread'\\)" benchmarks/thread_scaling.sh examples/mnist/data out --thread 4)
expect_refusal("\\('four' is not a positive whole number\\)" benchmarks/thread_scaling.sh examples/mnist/data out --threads "1 four")
expect_refusal("\\('0' is not a positive whole number\\)" benchmarks/thread_scaling.sh examples/mnist/data out --rounds 0)
expect_refusal("\\('2 3' is not a positive whole number\\)" benchmarks/thread_scaling.sh examples/mnist/data out --rounds "2 3")
expect_refusal("\\('\\*' is not a positive whole number\\)" benchmarks/thread_scaling.sh examples/mnist/data out --threads "*")
expect_refusal("\\(--threads: no thread counts\\)" benchmarks/thread_scaling.sh examples/mnist/data out --threads " ")
expect_refusal("\\(--epochs needs a value\\)" benchmarks/thread_scaling.sh examples/mnist/data out --epochs)
expect_refusal("benchmarks/thread_scaling.sh: no MNIST folder 'no-such-dir'" benchmarks/thread_scaling.sh no-such-dir out)
expect_refusal("benchmarks/thread_scaling.sh: 'README.md' is not an executable"
               benchmarks/thread_scaling.sh examples/mnist/data out --keisan README.md)
expect_refusal("benchmarks/thread_scaling.sh: 'false' cannot import torch"
               benchmarks/thread_scaling.sh examples/mnist/data out --python false --keisan scripts/demo.sh)
expect_refusal("compare_pytorch.py: error: unrecognized arguments: --bogus" python3 benchmarks/compare_pytorch.py --bogus)
expect_refusal("compare_pytorch.py: error: argument --threads: '0' is not a positive whole number"
               python3 benchmarks/compare_pytorch.py --threads 0)
expect_refusal("compare_pytorch.py: error: --workloads: unknown workload 'W3' \\(known: W1, W2, W4, W5\\)"
               python3 benchmarks/compare_pytorch.py --workloads W1,W3)
