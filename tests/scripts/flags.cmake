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
