// keisan MNIST example: the progress bar shown during an epoch on a terminal. The line is built
// by format_progress() so that its width can be tested; Progress draws it (on a terminal only).
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>

namespace mnist_example {

/// What one progress line says.
struct ProgressLine {
  int epoch = 1, epochs = 1;
  long long done = 0, total = 0;  // batches
  double loss = 0;                // mean over the epoch's batches so far
  double samples_per_second = 0;
  double eta_seconds = 0;  // until the end of this epoch's training batches
};

/// The progress line, at most `columns - 1` characters (so that the cursor never reaches the last
/// column, where terminals wrap): the bar shrinks first, then the speed goes, then the bar.
[[nodiscard]] std::string format_progress(const ProgressLine& p, int columns);

/// A duration as a person reads it: 0.4s, 12s, 3m05s, 1h02m.
[[nodiscard]] std::string format_duration(double seconds);

/// Columns of the terminal on stdout (TIOCGWINSZ), else $COLUMNS, else 80.
[[nodiscard]] int terminal_columns();

/// A one-line progress bar, redrawn in place at most 10 times a second, when stdout is a
/// terminal; silent otherwise (then the per-epoch lines say it all, one line each).
class Progress {
 public:
  Progress(int epoch, int epochs, long long total_batches, long long batch_size);
  /// `done` batches of the epoch are finished; `loss` is their mean loss.
  void update(long long done, double loss);
  /// Erases the bar (the epoch's line is printed in its place).
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  ProgressLine line_;
  long long batch_size_;
  bool tty_;
  int columns_;
  Clock::time_point start_, last_{};
};

}  // namespace mnist_example
