# keisan tests: scripts/plot-metrics.sh on a small metrics file, and on bad input.
# -DSCRIPT=<plot-metrics.sh> -DWORK=<scratch dir>
cmake_minimum_required(VERSION 3.21)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
# plot-metrics.sh CSV PNG must succeed and write a PNG (its magic bytes).
function(expect_plot csv png)
  execute_process(COMMAND ${SCRIPT} ${csv} ${png} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(READ ${png} magic LIMIT 4 HEX)
  if(NOT rc EQUAL 0 OR NOT magic STREQUAL "89504e47")
    message(FATAL_ERROR "plot-metrics.sh ${csv} failed (${rc}) or wrote no PNG (${magic}):\n${out}${err}")
  endif()
endfunction()
# The example's files before the lr column, and since.
file(WRITE ${WORK}/m.csv "epoch,train_loss,train_acc,test_acc,seconds\n1,1.7,0.45,0.79,0.3\n2,0.62,0.84,0.88,0.3\n")
expect_plot(${WORK}/m.csv ${WORK}/curve.png)
file(WRITE ${WORK}/m_lr.csv "epoch,train_loss,train_acc,test_acc,seconds,lr\n1,1.7,0.45,0.79,0.3,0.001\n2,0.62,0.84,0.88,0.3,0.0005\n")
expect_plot(${WORK}/m_lr.csv ${WORK}/curve_lr.png)
# From another folder, with relative paths: they are that folder's (the script used to cd to the
# repository first, and looked for m.csv there).
execute_process(COMMAND ${SCRIPT} m.csv relative.png WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/relative.png)
  message(FATAL_ERROR "plot-metrics.sh m.csv relative.png, run in ${WORK}, failed (${rc}):\n${out}${err}")
endif()
file(WRITE ${WORK}/bad.csv "a,b\n1,2\n")
function(expect_refusal pattern)
  execute_process(COMMAND ${SCRIPT} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "${pattern}")
    message(FATAL_ERROR "plot-metrics.sh ${ARGN}: expected a failure matching '${pattern}', got ${rc}: ${out}${err}")
  endif()
  message(STATUS "ok: plot-metrics.sh ${ARGN} -> ${err}")
endfunction()
expect_refusal("error: ${WORK}/bad.csv: not a metrics file \\(header must be epoch,train_loss,train_acc,test_acc,seconds\\[,lr\\]\\)"
               ${WORK}/bad.csv ${WORK}/x.png)
expect_refusal("error: ${WORK}/none.csv: no such file" ${WORK}/none.csv ${WORK}/x.png)
expect_refusal("usage: .*plot-metrics.sh FILE.csv OUT.png" ${WORK}/m.csv)
# An output it cannot write is an error, not a silent success.
expect_refusal("error: ${WORK}/nodir/x.png: no such directory ${WORK}/nodir" ${WORK}/m.csv ${WORK}/nodir/x.png)
expect_refusal("error: /dev/full: write failed" ${WORK}/m.csv /dev/full)
