# keisan tests: scripts/demo.sh run from another folder, with relative paths, resolves them
# against that folder (it used to cd to the repository first), and takes --data=DIR as well as
# --data DIR. KEISAN_DEMO_BINARY skips the release build: the dev build's example runs instead.
# -DSCRIPT=<demo.sh> -DMNIST=<mnist binary> -DDATA=<bundled subset dir> -DSOURCE=<repository> -DWORK=<scratch dir>
cmake_minimum_required(VERSION 3.21)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(COPY ${DATA}/ DESTINATION ${WORK}/subset FILES_MATCHING PATTERN "*.gz")
function(demo)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env KEISAN_DEMO_BINARY=${MNIST} ${SCRIPT} ${ARGN}
                  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "(cd ${WORK} && scripts/demo.sh ${ARGN}) failed (${rc}):\n${out}${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  message(STATUS "ok: (cd ${WORK} && scripts/demo.sh ${ARGN})")
endfunction()

demo(--data=subset --epochs 0 --save w.safetensors --metrics m.csv --dot g.dot)
foreach(f w.safetensors m.csv g.dot)
  if(NOT EXISTS ${WORK}/${f} OR EXISTS ${SOURCE}/${f})
    message(FATAL_ERROR "scripts/demo.sh wrote ${f} outside the folder it was run from")
  endif()
endforeach()
if(NOT out MATCHES "data: MNIST subset \\(5000 train, 1000 test images\\) from subset")
  message(FATAL_ERROR "--data=subset was not used:\n${out}")
endif()
demo(--data subset --epochs 0 --load w.safetensors)
if(NOT out MATCHES "loaded w.safetensors")
  message(FATAL_ERROR "--load w.safetensors (relative) was not loaded:\n${out}")
endif()
