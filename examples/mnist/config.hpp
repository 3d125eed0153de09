// keisan MNIST example: the flags, and the entry point main.cpp calls. Standard headers only,
// so the CLI11 translation unit does not also compile keisan.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnist_example {

struct Config {
  std::string data;
  int epochs = -1;  // auto: the book's 10,000 iterations (17 epochs on full MNIST)
  int batch = 100;
  double lr = 0.1;
  std::vector<int> hidden{50};
  std::string activation = "sigmoid";
  std::string optimizer = "sgd";
  std::string sampler = "shuffle";
  std::string init = "book";
  std::uint64_t seed = 42;
  int threads = 1;
  std::string metrics, save, load, resume;
  int checkpoint_every = 0;  // epochs between checkpoints written to `save` (0: only at the end)
  bool gradcheck = false;
  bool detect_anomaly = false;
  std::string dot;
  std::vector<std::string> command;  // argv as given, to print how to resume after Ctrl-C
};

/// Trains and evaluates as the flags say (train.cpp); returns the process exit code.
int run(const Config& c);

}  // namespace mnist_example
