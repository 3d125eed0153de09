// keisan MNIST example: output paths checked before training (see output_paths.hpp).
// SPDX-License-Identifier: MIT
#include "output_paths.hpp"

#include <unistd.h>

#include <filesystem>
#include <keisan/core/error.hpp>
#include <system_error>

namespace mnist_example {

void check_output_path(const std::string& path, const std::string& flag, Output how) {
  namespace fs = std::filesystem;
  if (path.empty()) return;
  auto fail = [&](const std::string& why) { throw keisan::FormatError("keisan: " + path + ": " + why); };
  const fs::path p(path);
  if (!p.has_filename()) fail("names a directory; " + flag + " needs a file name");
  std::error_code ec;
  const fs::file_status self = fs::symlink_status(p, ec);
  if (fs::exists(self)) {
    if (how == Output::replaced && fs::is_symlink(self))
      fail("is a symbolic link; " + flag + " will not replace it (name the file it points to instead)");
    const fs::file_status target = fs::status(p, ec);  // what a link points to
    if (fs::is_directory(target)) fail("is a directory; " + flag + " needs a file name");
    const bool writable_in_place = fs::is_regular_file(target) || fs::is_character_file(target) || fs::is_fifo(target);
    if (how == Output::replaced ? !fs::is_regular_file(target) : !writable_in_place)
      fail("is not a regular file; " + flag + " will not write there");
    if (access(path.c_str(), W_OK) != 0) fail("is not writable");
    if (how == Output::in_place) return;  // written where it is: its directory does not matter
  }
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const fs::file_status d = fs::status(dir, ec);
  if (!fs::exists(d)) fail("no such directory " + dir.string());
  if (!fs::is_directory(d)) fail(dir.string() + " is not a directory");
  if (access(dir.c_str(), W_OK | X_OK) != 0) fail("cannot create files in " + dir.string() + " (not writable)");
}

}  // namespace mnist_example
