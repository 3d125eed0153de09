// keisan MNIST example: trains a multilayer perceptron on MNIST and reports its test accuracy.
// Defaults reproduce Deep Learning from Scratch's TwoLayerNet: 784-50-10, sigmoid, SGD lr 0.1,
// batch 100. Run with --help for every flag. This file: the command line (CLI11).
// SPDX-License-Identifier: MIT
#include <CLI/CLI.hpp>
#include <cstdio>

#include "config.hpp"

int main(int argc, char** argv) {
  mnist_example::Config c;
  CLI::App app{"Train a multilayer perceptron on MNIST with keisan (defaults: the book's TwoLayerNet)"};
  app.add_option("--data", c.data,
                 "directory with the four MNIST IDX files (.gz or raw); default: the cache "
                 "filled by scripts/fetch-mnist.sh, else the bundled subset")
      ->check(CLI::ExistingDirectory);
  app.add_option("--epochs", c.epochs,
                 "passes over the training set (0: only evaluate); default: enough for the "
                 "book's 10,000 iterations (17 epochs on full MNIST)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--batch", c.batch, "minibatch size")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--lr", c.lr, "learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--hidden", c.hidden, "hidden layer sizes, e.g. --hidden 256 128")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--activation", c.activation, "hidden activation")
      ->check(CLI::IsMember({"sigmoid", "relu", "tanh"}))
      ->capture_default_str();
  app.add_option("--optimizer", c.optimizer, "update rule (momentum/nesterov: SGD with 0.9)")
      ->check(CLI::IsMember({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}))
      ->capture_default_str();
  app.add_option("--sampler", c.sampler, "shuffle: every image once per epoch; replacement: the book's random choice")
      ->check(CLI::IsMember({"shuffle", "replacement"}))
      ->capture_default_str();
  app.add_option("--init", c.init, "weight initialisation: book (0.01 N(0,1)), xavier, he")
      ->check(CLI::IsMember({"book", "xavier", "he"}))
      ->capture_default_str();
  app.add_option("--seed", c.seed, "seed of the initial weights and of the sampler")->capture_default_str();
  app.add_option("--threads", c.threads, "threads for matrix products (needs an OpenMP build)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--metrics", c.metrics, "write per-epoch metrics as CSV to this file");
  app.add_option("--save", c.save, "save the trained weights as .safetensors");
  app.add_option("--load", c.load, "load weights from .safetensors before training (evaluate with --epochs 0)")
      ->check(CLI::ExistingFile);
  app.add_flag("--gradcheck", c.gradcheck, "check the model's gradients against finite differences before training");
  app.add_flag("--detect-anomaly", c.detect_anomaly,
               "check every op's output and gradient for NaN/inf and stop at the first, naming the op");
  app.add_option("--dot", c.dot, "write the graph of one training step as Graphviz DOT (render: dot -Tpng)");
  CLI11_PARSE(app, argc, argv);
  try {
    return mnist_example::run(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
