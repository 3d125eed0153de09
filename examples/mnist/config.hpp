// keisan MNIST example: the flags, and the entry point main.cpp calls. Standard headers only,
// so the CLI11 translation unit does not also compile keisan.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnist_example {

/// The flags. The defaults are the MLP's (the book's TwoLayerNet); main.cpp replaces those a
/// CNN sets differently (optimizer, lr, epochs, init, activation) unless the flag was given.
struct Config {
  std::string data;
  std::string model = "mlp";       // mlp | simple-cnn | deep-cnn
  int epochs = -1;                 // auto: the book's 10,000 iterations (17 epochs on full MNIST)
  int batch = 100;                 // the global batch: rows per optimizer step, whatever --accumulate and the processes
  int accumulate = 1;              // micro-batches per optimizer step, each of batch / accumulate rows
  std::string allreduce = "fast";  // under mpirun: fast (MPI_Allreduce) | deterministic (gather + rank-ordered sum)
  double lr = 0.1;
  std::string lr_schedule = "constant";  // constant | cosine (from --lr to 0 over the run's --epochs)
  std::vector<int> hidden{50};
  std::string activation = "sigmoid";
  bool batchnorm = false;       // BatchNorm after each hidden Affine (and each convolution), before the activation
  double dropout = 0;           // MLP: Dropout after each hidden activation (deep-cnn: its own 0.5)
  std::string dropout_scaling;  // inverted | at-eval; empty: the model's (deep-cnn at-eval, as the book)
  double weight_decay = 0;      // L2 on the weights (not biases, not BatchNorm's gamma and beta)
  std::string optimizer = "sgd";
  std::string sampler = "shuffle";
  std::string init = "book";
  long long train_limit = 0;  // use only the first N training images (0: all)
  long long test_limit = 0;   // evaluate on the first N test images only (0: all)
  std::uint64_t seed = 42;
  int threads = 1;
  std::string metrics, save, load, resume;
  int checkpoint_every = 0;  // epochs between checkpoints written to `save` (0: only at the end)
  bool gradcheck = false;
  bool detect_anomaly = false;
  std::string dot;
  int rank = 0, processes = 1;       // this process's rank and the job's size (mpirun -np); set by main.cpp
  std::vector<std::string> command;  // argv as given, to print how to resume after Ctrl-C
};

/// Trains and evaluates as the flags say (train.cpp); returns the process exit code.
int run(const Config& c);

}  // namespace mnist_example
