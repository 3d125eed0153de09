// keisan MNIST example: output paths (--save, --metrics, --dot) checked before any training, so
// that an hour of training is never lost to a path that cannot be written. Creates and deletes
// nothing.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace mnist_example {

/// How the program writes a file.
enum class Output {
  in_place,  ///< opened and written where it is (--metrics, --dot): /dev/stdout or a pipe will do
  replaced,  ///< written beside it and renamed over it (--save): only a regular file or nothing
};

/// Throws keisan::FormatError naming `path` and `flag` when `path` could not be written as `how`
/// says: it names a directory, a block device or a socket; for Output::replaced anything but a
/// regular file, a symbolic link included (the rename would replace the link, not its target);
/// an existing file without write permission; or its directory is missing or not writable.
/// An empty path (the flag not given) passes.
void check_output_path(const std::string& path, const std::string& flag, Output how);

}  // namespace mnist_example
