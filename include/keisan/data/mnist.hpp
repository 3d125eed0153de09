// keisan data: the MNIST loader (four IDX files, raw or .gz) into train and test Datasets.
// Uses keisan/data/idx_gzip.hpp, so it needs zlib: link keisan::io.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "keisan/data/dataset.hpp"
#include "keisan/data/idx_gzip.hpp"

namespace keisan {

/// MNIST's two sets. With Stored = std::uint8_t the pixels stay bytes (a quarter of float's
/// memory), read as the same floats pixel / 255 would give, batch by batch.
template <class Scalar, class Stored = Scalar>
struct Mnist {
  Dataset<Scalar, Stored> train;
  Dataset<Scalar, Stored> test;
};

namespace detail {

/// `dir/stem`, or `dir/stem.gz` if only that exists. Throws FormatError when neither does.
inline std::string find_mnist_file(const std::string& dir, const std::string& stem) {
  const std::string raw = std::string(dir).append("/").append(stem);
  // Existence only: opening a FIFO to find out would block.
  std::error_code ec;
  for (const std::string& path : {raw, raw + ".gz"})
    if (std::filesystem::exists(path, ec)) return path;
  throw FormatError("keisan: " + dir + ": no " + stem + " (nor " + stem + ".gz) in this directory");
}

}  // namespace detail

/// Loads an images file (N x rows x cols) and its labels file (N) as a Dataset with pixels
/// scaled to [0, 1]: stored as Scalar, or as the file's bytes with scale 1/255 when Stored is
/// std::uint8_t (the values read are the same bits either way). Throws FormatError naming the
/// file for any malformed file, counts that disagree, or a label above 9.
template <class Scalar, class Stored = Scalar>
[[nodiscard]] Dataset<Scalar, Stored> load_mnist_pair(const std::string& images_path, const std::string& labels_path) {
  IdxArray images = read_idx_any(images_path, 3);
  IdxArray labels = read_idx_any(labels_path, 1);
  if (images.dims[0] != labels.dims[0])
    throw FormatError("keisan: " + images_path + " has " + std::to_string(images.dims[0]) + " images but " +
                      labels_path + " has " + std::to_string(labels.dims[0]) + " labels");
  const auto n = static_cast<Index>(images.dims[0]);
  const auto features = static_cast<Index>(images.dims[1] * images.dims[2]);
  static_assert(std::is_same_v<Stored, Scalar> || std::is_same_v<Stored, std::uint8_t>,
                "keisan::load_mnist stores pixels as Scalar or as std::uint8_t");
  const Scalar scale = Scalar(1) / Scalar(255);
  Matrix<Stored> x(n, features);
  for (Index i = 0; i < x.size(); ++i) {
    const std::uint8_t pixel = images.data[static_cast<std::size_t>(i)];
    if constexpr (std::is_same_v<Stored, Scalar>)
      x.data()[i] = static_cast<Scalar>(pixel) * scale;
    else
      x.data()[i] = pixel;
  }
  std::vector<int> y(labels.data.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (labels.data[i] > 9)
      throw FormatError("keisan: " + labels_path + ": label " + std::to_string(labels.data[i]) + " at index " +
                        std::to_string(i) + " is not a digit (0-9)");
    y[i] = labels.data[i];
  }
  return Dataset<Scalar, Stored>(std::move(x), std::move(y), 10, std::is_same_v<Stored, Scalar> ? Scalar(1) : scale);
}

/// Loads MNIST from `dir`, which holds train-images-idx3-ubyte, train-labels-idx1-ubyte,
/// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz).
template <class Scalar, class Stored = Scalar>
[[nodiscard]] Mnist<Scalar, Stored> load_mnist(const std::string& dir) {
  // Located one by one, in this order, so a missing file is named the same way every time.
  const std::string train_images = detail::find_mnist_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = detail::find_mnist_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = detail::find_mnist_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = detail::find_mnist_file(dir, "t10k-labels-idx1-ubyte");
  return {load_mnist_pair<Scalar, Stored>(train_images, train_labels),
          load_mnist_pair<Scalar, Stored>(test_images, test_labels)};
}

}  // namespace keisan
