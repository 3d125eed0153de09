// keisan MNIST example: the progress bar (see progress.hpp).
// SPDX-License-Identifier: MIT
#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mnist_example {

std::string format_duration(double seconds) {
  char buf[32];
  if (!(seconds >= 0)) seconds = 0;  // NaN too
  if (seconds < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", seconds);
  } else if (seconds < 3600) {
    const long long s = std::llround(seconds);
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    const long long m = std::llround(seconds / 60);
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", m / 60, m % 60);
  }
  return buf;
}

std::string format_progress(const ProgressLine& p, int columns) {
  const std::size_t limit = static_cast<std::size_t>(std::max(columns, 2) - 1);
  char buf[160];
  std::snprintf(buf, sizeof buf, "epoch %d/%d", p.epoch, p.epochs);
  const std::string head = buf;
  std::snprintf(buf, sizeof buf, " %lld/%lld loss %.4f", p.done, p.total, p.loss);
  const std::string count = buf;
  std::snprintf(buf, sizeof buf, " %.0f samples/s", p.samples_per_second);
  const std::string speed = buf;
  const std::string eta = " ETA " + format_duration(p.eta_seconds);
  constexpr std::size_t min_bar = 10, max_bar = 30;  // inner width of [###...]
  auto with_bar = [&](const std::string& rest) -> std::string {
    const std::size_t fixed = head.size() + 3 + rest.size();  // " [" + "]"
    if (fixed + min_bar > limit) return "";
    const std::size_t width = std::min(max_bar, limit - fixed);
    const auto filled = static_cast<std::size_t>(
        p.total > 0 ? static_cast<double>(width) * static_cast<double>(std::clamp(p.done, 0LL, p.total)) /
                          static_cast<double>(p.total)
                    : 0.0);
    return head + " [" + std::string(filled, '#') + std::string(width - filled, '.') + "]" + rest;
  };
  std::string line = with_bar(count + speed + eta);
  if (line.empty()) line = with_bar(count + eta);
  if (line.empty()) line = head + count + eta;
  if (line.size() > limit) line.resize(limit);
  return line;
}

int terminal_columns() {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* env = std::getenv("COLUMNS"); env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (*end == '\0' && n > 0 && n < 10000) return static_cast<int>(n);
  }
  return 80;
}

Progress::Progress(int epoch, int epochs, long long total_batches, long long batch_size)
    : batch_size_(batch_size),
      tty_(isatty(STDOUT_FILENO) != 0),
      columns_(tty_ ? terminal_columns() : 80),
      start_(Clock::now()) {
  line_.epoch = epoch;
  line_.epochs = epochs;
  line_.total = total_batches;
}

void Progress::update(long long done, double loss) {
  if (!tty_) return;
  const auto now = Clock::now();
  if (done != line_.total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  line_.done = done;
  line_.loss = loss;
  line_.samples_per_second = secs > 0 ? static_cast<double>(done) * static_cast<double>(batch_size_) / secs : 0;
  // The batches left at the mean pace of those done so far.
  line_.eta_seconds = done > 0 ? secs * static_cast<double>(line_.total - done) / static_cast<double>(done) : 0;
  // Redrawn from the line's start, and whatever the last one left beyond it erased.
  std::printf("\r%s\033[K", format_progress(line_, columns_).c_str());
  std::fflush(stdout);
}

void Progress::finish() {
  if (tty_) std::printf("\r\033[K");
}

}  // namespace mnist_example
