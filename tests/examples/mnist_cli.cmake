# keisan tests: the MNIST example end to end, run by ctest as `cmake -P`.
# -DMNIST=<binary> -DDATA=<bundled subset dir> -DWORK=<scratch dir> -DCASE=train|flags|outputs|data|models
cmake_minimum_required(VERSION 3.21)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# Runs the example; OUT gets stdout+stderr, RC the exit code.
function(run_mnist out rc)
  execute_process(COMMAND ${MNIST} ${ARGN} OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE r)
  set(${out} "${o}${e}" PARENT_SCOPE)
  set(${rc} "${r}" PARENT_SCOPE)
endfunction()

function(expect_failure pattern)
  run_mnist(out rc ${ARGN})
  if(rc EQUAL 0 OR NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "mnist ${ARGN}: expected a failure matching '${pattern}', got exit ${rc}:\n${out}")
  endif()
  message(STATUS "ok: mnist ${ARGN} -> exit ${rc}: ${CMAKE_MATCH_0}")
endfunction()

function(test_accuracy out var)
  if(NOT out MATCHES "test accuracy: ([0-9.]+)")
    message(FATAL_ERROR "no 'test accuracy' line in:\n${out}")
  endif()
  set(${var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

if(CASE STREQUAL "train")
  set(flags --data ${DATA} --epochs 2 --activation relu --init he --optimizer momentum --lr 0.05 --seed 7)
  run_mnist(out rc ${flags} --save ${WORK}/a.safetensors --metrics ${WORK}/m.csv)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "training failed (${rc}):\n${out}")
  endif()
  test_accuracy("${out}" trained)
  message(STATUS "2 epochs on the bundled subset: test accuracy ${trained}")
  # Not a terminal: one line per epoch, no progress bar, no carriage return.
  string(FIND "${out}" "\r" cr)
  if(NOT cr EQUAL -1 OR NOT out MATCHES "epoch  1  train loss [^\n]*\nepoch  2  train loss")
    message(FATAL_ERROR "piped output should be one line per epoch, without carriage returns:\n${out}")
  endif()
  if(trained LESS 0.80)
    message(FATAL_ERROR "test accuracy ${trained} < 0.80 after 2 epochs on the bundled subset:\n${out}")
  endif()
  if(NOT out MATCHES "data: MNIST subset \\(5000 train, 1000 test images\\)" OR NOT out MATCHES "confusion matrix")
    message(FATAL_ERROR "missing data line or confusion matrix:\n${out}")
  endif()
  file(STRINGS ${WORK}/m.csv csv)
  list(GET csv 0 header)
  list(LENGTH csv lines)
  if(NOT header STREQUAL "epoch,train_loss,train_acc,test_acc,seconds,lr" OR NOT lines EQUAL 3)
    message(FATAL_ERROR "bad metrics CSV: ${csv}")
  endif()
  foreach(i 1 2)  # a constant rate: --lr in every row
    list(GET csv ${i} row)
    if(NOT row MATCHES "^${i},[^,]+,[^,]+,[^,]+,[^,]+,0\\.05$")
      message(FATAL_ERROR "metrics row ${i}: the lr column is not 0.05: ${row}")
    endif()
  endforeach()
  # --load then evaluate only: the same accuracy.
  run_mnist(out rc --data ${DATA} --epochs 0 --activation relu --load ${WORK}/a.safetensors --detect-anomaly
            --dot ${WORK}/step.dot)
  file(READ ${WORK}/step.dot dot)
  if(NOT dot MATCHES "^digraph keisan" OR NOT dot MATCHES "softmax_cross_entropy")
    message(FATAL_ERROR "--dot wrote no graph:\n${dot}")
  endif()
  test_accuracy("${out}" reloaded)
  if(NOT rc EQUAL 0 OR NOT reloaded STREQUAL trained)
    message(FATAL_ERROR "reloaded accuracy ${reloaded} != trained ${trained}:\n${out}")
  endif()
  # Same seed, byte-identical weights.
  run_mnist(out rc ${flags} --save ${WORK}/b.safetensors)
  file(SHA256 ${WORK}/a.safetensors ha)
  file(SHA256 ${WORK}/b.safetensors hb)
  if(NOT ha STREQUAL hb)
    message(FATAL_ERROR "two runs with seed 7 wrote different weights")
  endif()
  # --gradcheck: every node of the model checked alone, then end to end, before training.
  run_mnist(out rc --data ${DATA} --epochs 0 --hidden 16 --activation tanh --gradcheck)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "gradcheck: passed \\(4 nodes checked alone"
     OR NOT out MATCHES "node 3 'affine' \\(input shapes 8x784, 784x16, 1x16\\)")
    message(FATAL_ERROR "--gradcheck did not pass node by node:\n${out}")
  endif()
  # A different architecture cannot load those weights: the file's recorded flags say why (a file
  # without them, written by another program, still fails on the shapes: mnist_resume.sh).
  expect_failure("error: --load ${WORK}/a.safetensors: the file was written by a run with --hidden 50 \\(this run: 32\\), --activation relu \\(this run: sigmoid\\); give the same model flags"
                 --data ${DATA} --epochs 0 --hidden 32 --load ${WORK}/a.safetensors)
elseif(CASE STREQUAL "flags")
  expect_failure("--activation: swish not in {sigmoid,relu,tanh}" --activation swish --epochs 0)
  expect_failure("--optimizer: adamw not in" --optimizer adamw --epochs 0)
  # Every numeric flag says in words what it takes (it used to print a 330-character range).
  expect_failure("--lr: must be a positive number, got 0\n" --lr 0 --epochs 0)
  expect_failure("--lr: must be a positive number, got -0.1\n" --lr -0.1 --epochs 0)
  expect_failure("--lr: must be a positive number, got fast\n" --lr fast --epochs 0)
  expect_failure("--lr: must be a positive number, got inf\n" --lr inf --epochs 0)
  expect_failure("--batch: must be a whole number >= 1, got 0\n" --batch 0 --epochs 0)
  expect_failure("--batch: must be a whole number >= 1, got 2.5\n" --batch 2.5 --epochs 0)
  expect_failure("--batch: must be at most 2147483647, got 99999999999\n" --batch 99999999999 --epochs 0)
  expect_failure("--epochs: must be a whole number >= 0 \\(0: only evaluate\\), got -1\n" --epochs -1)
  expect_failure("--hidden: must be a whole number >= 1 \\(each size\\), got 0\n" --hidden 50 0 --epochs 0)
  expect_failure("--threads: must be a whole number from 1 to 1024, got 0\n" --threads 0 --epochs 0)
  expect_failure("--seed: must be a whole number >= 0, got -1\n" --seed -1 --epochs 0)
  run_mnist(out rc --lr 0)
  if(out MATCHES "179769")
    message(FATAL_ERROR "--lr 0 still prints the double range:\n${out}")
  endif()
  expect_failure("--data: Directory does not exist: ${WORK}/nowhere" --data ${WORK}/nowhere)
  expect_failure("The following argument was not expected: --bogus" --bogus)
  file(WRITE ${WORK}/junk.safetensors "not a safetensors file at all")
  expect_failure("error: keisan: ${WORK}/junk.safetensors: header length [0-9]+ exceeds the 100 MB limit"
                 --data ${DATA} --epochs 0 --load ${WORK}/junk.safetensors)
  file(MAKE_DIRECTORY ${WORK}/empty)
  expect_failure("error: keisan: ${WORK}/empty: no train-images-idx3-ubyte" --data ${WORK}/empty)
  # --load from a FIFO: refused by name (reading it would wait for a writer forever).
  execute_process(COMMAND mkfifo ${WORK}/fifo.safetensors)
  execute_process(COMMAND ${MNIST} --data ${DATA} --epochs 0 --load ${WORK}/fifo.safetensors TIMEOUT 60
                  OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rc)
  if(rc EQUAL 0 OR NOT e MATCHES "error: keisan: ${WORK}/fifo.safetensors: is not a regular file \\(a FIFO, device or socket\\)")
    message(FATAL_ERROR "--load FIFO: expected a refusal, got ${rc}:\n${o}${e}")
  endif()
elseif(CASE STREQUAL "outputs")
  # Output paths that cannot be written: named, non-zero exit, before anything is loaded or
  # trained (no "data:" line), and nothing of the user's created, replaced or deleted.
  function(expect_early_failure pattern)
    run_mnist(out rc --data ${DATA} --epochs 5 ${ARGN})
    if(rc EQUAL 0 OR NOT out MATCHES "${pattern}" OR out MATCHES "data: ")
      message(FATAL_ERROR "mnist ${ARGN}: expected a failure before training matching '${pattern}', got ${rc}:\n${out}")
    endif()
    message(STATUS "ok: mnist ${ARGN} -> exit ${rc}: ${CMAKE_MATCH_0}")
  endfunction()
  expect_early_failure("error: keisan: ${WORK}/no/dir/m.csv: no such directory ${WORK}/no/dir\n"
                       --metrics ${WORK}/no/dir/m.csv)
  expect_early_failure("error: keisan: ${WORK}/no/dir/w.safetensors: no such directory ${WORK}/no/dir\n"
                       --save ${WORK}/no/dir/w.safetensors)
  expect_early_failure("error: keisan: ${WORK}/no/dir/g.dot: no such directory ${WORK}/no/dir\n"
                       --dot ${WORK}/no/dir/g.dot)
  # A directory (it used to pass the check, and fail only after training).
  expect_early_failure("error: keisan: ${WORK}: is a directory; --save needs a file name" --save ${WORK})
  expect_early_failure("error: keisan: ${WORK}: is a directory; --dot needs a file name" --dot ${WORK})
  expect_early_failure("error: keisan: ${WORK}: is a directory; --metrics needs a file name" --metrics ${WORK})
  expect_early_failure("error: keisan: ${WORK}/: names a directory; --save needs a file name" --save ${WORK}/)
  # --save renames a new file over its path: a FIFO (standing in for /dev/null, which root's
  # --save used to replace) or a symbolic link would be replaced. Both are refused and kept.
  execute_process(COMMAND mkfifo ${WORK}/pipe)
  expect_early_failure("error: keisan: ${WORK}/pipe: is not a regular file; --save will not write there"
                       --save ${WORK}/pipe)
  file(WRITE ${WORK}/real.safetensors "mine")
  file(CREATE_LINK ${WORK}/real.safetensors ${WORK}/link.safetensors SYMBOLIC)
  expect_early_failure("error: keisan: ${WORK}/link.safetensors: is a symbolic link; --save will not replace it"
                       --save ${WORK}/link.safetensors)
  execute_process(COMMAND test -p ${WORK}/pipe RESULT_VARIABLE not_fifo)
  file(READ ${WORK}/real.safetensors mine)
  if(NOT IS_SYMLINK ${WORK}/link.safetensors OR NOT mine STREQUAL "mine" OR NOT not_fifo EQUAL 0)
    message(FATAL_ERROR "a refused --save still changed the FIFO, the link or its target")
  endif()
  # Write errors (a full disk) are errors, naming the file: --metrics (its header is flushed
  # before training), --dot, and standard output itself.
  run_mnist(out rc --data ${DATA} --epochs 1 --metrics /dev/full)
  if(rc EQUAL 0 OR NOT out MATCHES "error: keisan: /dev/full: write failed" OR out MATCHES "epoch  1")
    message(FATAL_ERROR "--metrics /dev/full: expected 'write failed' before training, got ${rc}:\n${out}")
  endif()
  expect_failure("error: keisan: /dev/full: write failed" --data ${DATA} --epochs 0 --dot /dev/full)
  execute_process(COMMAND ${MNIST} --data ${DATA} --epochs 0 OUTPUT_FILE /dev/full ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0 OR NOT err MATCHES "error: standard output: write failed")
    message(FATAL_ERROR "stdout on a full disk: expected 'standard output: write failed', got ${rc}:\n${err}")
  endif()
  # The user's files beside --save X survive: X.probe (the old writability probe deleted it) and
  # X.tmp (the old temporary file overwrote it).
  file(WRITE ${WORK}/w.safetensors.probe "user's probe")
  file(WRITE ${WORK}/w.safetensors.tmp "user's tmp")
  run_mnist(out rc --data ${DATA} --epochs 0 --save ${WORK}/w.safetensors --metrics ${WORK}/m.csv)
  file(READ ${WORK}/w.safetensors.probe probe)
  file(READ ${WORK}/w.safetensors.tmp tmp)
  file(GLOB leftovers ${WORK}/w.safetensors.tmp-*)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/w.safetensors OR NOT probe STREQUAL "user's probe"
     OR NOT tmp STREQUAL "user's tmp" OR leftovers)
    message(FATAL_ERROR "--save beside the user's w.safetensors.probe/.tmp (${rc}; left: ${leftovers}):\n${out}")
  endif()
elseif(CASE STREQUAL "data")
  # Data the network cannot use: each refused with a message naming the file and what is wrong.
  function(make_set dir)  # the bundled training set, and the test files given as octal escapes
    file(MAKE_DIRECTORY ${dir})
    file(COPY ${DATA}/train-images-idx3-ubyte.gz ${DATA}/train-labels-idx1-ubyte.gz DESTINATION ${dir})
    execute_process(COMMAND printf "${ARGV1}" OUTPUT_FILE ${dir}/t10k-images-idx3-ubyte)
    execute_process(COMMAND printf "${ARGV2}" OUTPUT_FILE ${dir}/t10k-labels-idx1-ubyte)
  endfunction()
  # No test images: the accuracy used to read -nan, with exit 0.
  make_set(${WORK}/none "\\0\\0\\10\\3\\0\\0\\0\\0\\0\\0\\0\\34\\0\\0\\0\\34" "\\0\\0\\10\\1\\0\\0\\0\\0")
  expect_failure("error: keisan: ${WORK}/none/t10k-images-idx3-ubyte: holds no images; nothing to test on"
                 --data ${WORK}/none --epochs 1)
  # One 2x2 image: it used to fail inside affine, naming no file.
  make_set(${WORK}/small "\\0\\0\\10\\3\\0\\0\\0\\1\\0\\0\\0\\2\\0\\0\\0\\2\\1\\2\\3\\4" "\\0\\0\\10\\1\\0\\0\\0\\1\\7")
  expect_failure("error: keisan: ${WORK}/small/t10k-images-idx3-ubyte: images of 4 pixels; this network takes MNIST's 28x28 = 784"
                 --data ${WORK}/small --epochs 1)
  # A directory, or a FIFO, where a file should be: it used to end in std::bad_alloc, or hang.
  # (the other three files beside it: the loader finds all four before it reads one)
  set(others ${DATA}/train-labels-idx1-ubyte.gz ${DATA}/t10k-images-idx3-ubyte.gz ${DATA}/t10k-labels-idx1-ubyte.gz)
  file(MAKE_DIRECTORY ${WORK}/dirs/train-images-idx3-ubyte)
  file(COPY ${others} DESTINATION ${WORK}/dirs)
  expect_failure("error: keisan: ${WORK}/dirs/train-images-idx3-ubyte: is a directory, not a file" --data ${WORK}/dirs)
  file(MAKE_DIRECTORY ${WORK}/fifo)
  file(COPY ${others} DESTINATION ${WORK}/fifo)
  execute_process(COMMAND mkfifo ${WORK}/fifo/train-images-idx3-ubyte)
  execute_process(COMMAND ${MNIST} --data ${WORK}/fifo TIMEOUT 60 OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rc)
  if(rc EQUAL 0 OR NOT e MATCHES "error: keisan: ${WORK}/fifo/train-images-idx3-ubyte: is not a regular file \\(a FIFO, device or socket\\)")
    message(FATAL_ERROR "a FIFO as the training images: expected a refusal, got ${rc}:\n${o}${e}")
  endif()
  # Sizes this machine cannot hold: refused before anything is allocated (they used to end in
  # "error: std::bad_alloc").
  expect_failure("error: --hidden 1000000000 with --batch 100 needs about [0-9.]+ TB of memory \\(weights, gradients, optimizer state, activations\\); this machine has [0-9.]+ [GT]B"
                 --data ${DATA} --epochs 1 --hidden 1000000000)
  expect_failure("error: --batch 2000000000 is larger than the training set \\(5000 images\\)"
                 --data ${DATA} --epochs 1 --batch 2000000000)
elseif(CASE STREQUAL "models")
  # --model simple-cnn | deep-cnn, --batchnorm, --dropout, --weight-decay, on a few images
  # (--train-limit, --test-limit: the CNNs are slow under the sanitizers).
  set(small --data ${DATA} --test-limit 20)
  # Each CNN builds, and its gradients pass in training mode, BatchNorm included.
  run_mnist(out rc ${small} --model simple-cnn --batchnorm --epochs 0 --gradcheck)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "gradcheck: passed \\(9 nodes checked alone"
     OR NOT out MATCHES "model: Sequential\\(AsImage\\(28x28x1\\), Conv2D\\(1, 30, 5x5 window, stride 1, padding 0\\), BatchNorm\\(30\\), ReLU, MaxPool2D\\(2x2 window, stride 2, padding 0\\), Flatten, Affine\\(4320, 100\\), BatchNorm\\(100\\), ReLU, Affine\\(100, 10\\)\\), relu, adam lr 0.001 cosine to 0, batch 100")
    message(FATAL_ERROR "simple-cnn --batchnorm --gradcheck:\n${out}")
  endif()
  # The MLP with BatchNorm and Dropout: dropout's masks replayed (its engines reseeded per pass).
  run_mnist(out rc ${small} --hidden 8 --batchnorm --dropout 0.5 --epochs 0 --gradcheck)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "gradcheck: passed \\(6 nodes checked alone"
     OR NOT out MATCHES "Affine\\(784, 8\\), BatchNorm\\(8\\), Sigmoid, Dropout")
    message(FATAL_ERROR "mlp --batchnorm --dropout --gradcheck:\n${out}")
  endif()
  # One epoch of each CNN on a few images; deep-cnn's graph as DOT; checkpoints.
  run_mnist(out rc ${small} --model simple-cnn --epochs 1 --train-limit 100 --batch 50 --save ${WORK}/s.safetensors)
  # The CNNs' defaults: the book's Adam lr 0.001, annealed (cosine); the MLP's stays constant.
  if(NOT rc EQUAL 0 OR NOT out MATCHES "using the first 100 training and 20 test images"
     OR NOT out MATCHES "adam lr 0.001 cosine to 0, batch 50" OR NOT out MATCHES "epoch  1  train loss [0-9.]+  train acc [0-9.]+  test acc [0-9.]+")
    message(FATAL_ERROR "simple-cnn, one epoch:\n${out}")
  endif()
  test_accuracy("${out}" trained)
  # A simple-cnn file trained at the book's constant rate (the default before cosine) resumes only
  # with --lr-schedule constant, and the refusal says so.
  run_mnist(out rc ${small} --model simple-cnn --lr-schedule constant --epochs 1 --train-limit 100 --batch 50
            --save ${WORK}/sc.safetensors)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "simple-cnn --lr-schedule constant, one epoch:\n${out}")
  endif()
  expect_failure("the file was written by a run with --lr-schedule constant \\(this run: cosine\\)"
                 ${small} --model simple-cnn --epochs 2 --train-limit 100 --batch 50 --resume ${WORK}/sc.safetensors)
  run_mnist(out rc ${small} --model simple-cnn --epochs 0 --load ${WORK}/s.safetensors)
  test_accuracy("${out}" reloaded)
  if(NOT rc EQUAL 0 OR NOT reloaded STREQUAL trained)
    message(FATAL_ERROR "simple-cnn reloaded accuracy ${reloaded} != trained ${trained}:\n${out}")
  endif()
  run_mnist(out rc --data ${DATA} --test-limit 10 --model deep-cnn --epochs 1 --train-limit 20 --batch 10
            --dot ${WORK}/deep.dot --detect-anomaly --save ${WORK}/deep.safetensors)
  file(READ ${WORK}/deep.dot dot)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "Dropout\\(0.500000, scaled at eval\\), Affine\\(50, 10\\), Dropout\\(0.500000, scaled at eval\\)" OR NOT out MATCHES "adam lr 0.001 cosine to 0, batch 10"
     OR NOT dot MATCHES "conv2d" OR NOT dot MATCHES "max_pool2d"
     OR NOT dot MATCHES "dropout")
    message(FATAL_ERROR "deep-cnn, one epoch with --dot:\n${out}")
  endif()
  # Dropout's engines are in the checkpoint: stopped after epoch 1 and resumed, the MLP with
  # dropout, BatchNorm and weight decay ends byte-identical to one run.
  set(mlp ${small} --train-limit 300 --hidden 16 --activation relu --batchnorm --dropout 0.3 --weight-decay 0.001
          --optimizer adam --lr 0.01)
  run_mnist(out rc ${mlp} --epochs 2 --save ${WORK}/straight.safetensors)
  run_mnist(out rc ${mlp} --epochs 1 --save ${WORK}/half.safetensors)
  run_mnist(out rc ${mlp} --epochs 2 --resume ${WORK}/half.safetensors --save ${WORK}/resumed.safetensors)
  file(SHA256 ${WORK}/straight.safetensors h1)
  file(SHA256 ${WORK}/resumed.safetensors h2)
  if(NOT rc EQUAL 0 OR NOT h1 STREQUAL h2)
    message(FATAL_ERROR "dropout run resumed after epoch 1 is not byte-identical (${rc}):\n${out}")
  endif()
  # The files remember the new flags: other models, --batchnorm, --dropout, --weight-decay refused by name.
  expect_failure("error: --load ${WORK}/s.safetensors: the file was written by a run with --model simple-cnn \\(this run: mlp\\); give the same model flags"
                 ${small} --epochs 0 --load ${WORK}/s.safetensors)
  expect_failure("error: --load ${WORK}/s.safetensors: the file was written by a run with --model simple-cnn \\(this run: deep-cnn\\), --batchnorm off \\(this run: on\\); give the same model flags"
                 ${small} --model deep-cnn --batchnorm --epochs 0 --load ${WORK}/s.safetensors)
  expect_failure("error: --load ${WORK}/half.safetensors: the file was written by a run with --batchnorm on \\(this run: off\\), --dropout 0.3 \\(this run: 0\\); give the same model flags"
                 ${small} --hidden 16 --activation relu --epochs 0 --load ${WORK}/half.safetensors)
  expect_failure("error: --resume ${WORK}/half.safetensors: the file was written by a run with --weight-decay 0.001 \\(this run: 0\\); resume with the same flags"
                 ${small} --train-limit 300 --hidden 16 --activation relu --batchnorm --dropout 0.3 --optimizer adam
                 --lr 0.01 --epochs 2 --resume ${WORK}/half.safetensors)
  # deep-cnn's Dropout is the book's (scaled at evaluation): a file trained the other way is
  # refused by name, not evaluated wrongly.
  expect_failure("error: --load ${WORK}/deep.safetensors: the file was written by a run with --dropout-scaling at-eval \\(this run: inverted\\); give the same model flags"
                 --data ${DATA} --test-limit 10 --model deep-cnn --dropout-scaling inverted --epochs 0
                 --load ${WORK}/deep.safetensors)
  expect_failure("--dropout-scaling: half not in {inverted,at-eval}" --dropout-scaling half)
  expect_failure("--lr-schedule: linear not in {constant,cosine}" --lr-schedule linear)
  # Flags that shape an MLP are refused with a CNN, naming the flag; bad values in words.
  expect_failure("--hidden: only for --model mlp \\(simple-cnn's layers are fixed\\)" --model simple-cnn --hidden 32)
  expect_failure("--activation: only for --model mlp \\(deep-cnn's layers are fixed\\)" --model deep-cnn --activation tanh)
  expect_failure("--dropout: only for --model mlp \\(deep-cnn's layers are fixed\\)" --model deep-cnn --dropout 0.2)
  expect_failure("--model: resnet not in {mlp,simple-cnn,deep-cnn}" --model resnet)
  expect_failure("--dropout: must be a number in \\[0, 1\\), got 1\n" --dropout 1)
  expect_failure("--weight-decay: must be a number >= 0, got -0.1\n" --weight-decay -0.1)
  expect_failure("--train-limit: must be a whole number >= 1, got 0\n" --train-limit 0)
  expect_failure("error: --train-limit 9000 is larger than the training set \\(5000 images\\)"
                 --data ${DATA} --train-limit 9000)
  expect_failure("error: --test-limit 2000 is larger than the test set \\(1000 images\\)"
                 --data ${DATA} --test-limit 2000)
else()
  message(FATAL_ERROR "unknown CASE '${CASE}'")
endif()
