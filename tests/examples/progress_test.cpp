// keisan tests: the MNIST example's progress line fits the terminal and says a real ETA.
// SPDX-License-Identifier: MIT
#include "progress.hpp"

#include <algorithm>
#include <string>

#include "support/catch.hpp"

using mnist_example::format_duration;
using mnist_example::format_progress;
using mnist_example::ProgressLine;

TEST_CASE("MNIST progress: the line never reaches the terminal's last column", "[examples]") {
  // The widest numbers a run shows: the last epoch of 17, 600 batches, a six-figure speed.
  ProgressLine p;
  p.epoch = 17;
  p.epochs = 17;
  p.done = 300;
  p.total = 600;
  p.loss = 0.1808;
  p.samples_per_second = 138024;
  p.eta_seconds = 0.43;
  for (int columns = 1; columns <= 200; ++columns) {
    const std::string line = format_progress(p, columns);
    INFO("columns " << columns << ": '" << line << "'");
    REQUIRE(static_cast<int>(line.size()) <= std::max(columns - 1, 1));
  }
  // 80 columns (the width that used to wrap: the line was 81-86 characters) has room for all.
  const std::string at80 = format_progress(p, 80);
  REQUIRE(at80.size() <= 79);
  REQUIRE(at80.find("epoch 17/17 [") == 0);
  REQUIRE(at80.find("#####") != std::string::npos);
  REQUIRE(at80.find(" 300/600 loss 0.1808 138024 samples/s ETA 0.4s") != std::string::npos);
  // Narrower: the speed goes before the bar, and the loss and ETA stay.
  const std::string at50 = format_progress(p, 50);
  REQUIRE(at50.find("samples/s") == std::string::npos);
  REQUIRE(at50.find("loss 0.1808") != std::string::npos);
  REQUIRE(at50.find("ETA 0.4s") != std::string::npos);
}

TEST_CASE("MNIST progress: the ETA reads as a duration, sub-second ones included", "[examples]") {
  REQUIRE(format_duration(0.43) == "0.4s");  // a whole epoch on full MNIST takes ~0.45 s
  REQUIRE(format_duration(9.96) == "10.0s");
  REQUIRE(format_duration(12.4) == "12s");
  REQUIRE(format_duration(185) == "3m05s");
  REQUIRE(format_duration(3725) == "1h02m");
  REQUIRE(format_duration(-1) == "0.0s");
}
