// keisan io: training checkpoints. One safetensors file holds the model's state (under its own
// names, readable by any safetensors reader), the optimizer's state under "optimizer.", and where
// training stands (epoch, step, seed, the sampler's position and engine) as string metadata.
// SPDX-License-Identifier: MIT
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/state.hpp"
#include "keisan/core/version.hpp"
#include "keisan/data/minibatch_sampler.hpp"
#include "keisan/io/safetensors.hpp"

namespace keisan {

/// The metadata "format" of a checkpoint, and the layout version this keisan writes and reads.
constexpr const char* checkpoint_format = "keisan-checkpoint";
constexpr int checkpoint_format_version = 1;

/// Where training stands, saved beside the tensors of a checkpoint.
struct CheckpointInfo {
  std::int64_t epoch = 0;               ///< e.g. epochs completed
  std::int64_t step = 0;                ///< e.g. optimizer steps taken
  std::uint64_t seed = 0;               ///< the run's seed
  std::optional<SamplerState> sampler;  ///< MinibatchSampler::state(), to resume mid-epoch
  /// Free-form metadata (the architecture, the command line); a key may not be one of the
  /// checkpoint's own (format, format_version, keisan_version, epoch, step, seed, sampler.*).
  std::map<std::string, std::string> extra;
  /// Set by load_checkpoint(): the keisan version and format version that wrote the file.
  std::string keisan_version;
  int format_version = checkpoint_format_version;
};

namespace detail {

inline bool checkpoint_key_reserved(const std::string& key) {
  return key == "format" || key == "format_version" || key == "keisan_version" || key == "epoch" || key == "step" ||
         key == "seed" || key.rfind("sampler.", 0) == 0;
}

/// `text` as a whole decimal number (an optional minus only if `is_signed`), or nothing.
inline std::optional<std::int64_t> checkpoint_integer(const std::string& text, bool is_signed,
                                                      std::uint64_t* as_unsigned = nullptr) {
  const std::size_t digits_from = is_signed && !text.empty() && text[0] == '-' ? 1 : 0;
  if (text.size() <= digits_from || text.size() > 20) return std::nullopt;
  for (std::size_t i = digits_from; i < text.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  try {
    if (as_unsigned != nullptr) {
      *as_unsigned = std::stoull(text);
      return 0;
    }
    return static_cast<std::int64_t>(std::stoll(text));
  } catch (const std::exception&) {  // out of range
    return std::nullopt;
  }
}

}  // namespace detail

/// Saves `model_state` (tensor names = state names, e.g. "0.W"), `optimizer_state` (under
/// "optimizer.", e.g. "optimizer.step") and `info` (as metadata: format "keisan-checkpoint",
/// format_version, keisan_version, epoch, step, seed, sampler.*, and the extra keys as given) to
/// one safetensors file at `path`, written to a temporary file and renamed into place. Throws
/// ValueError for an extra key that is reserved and for bad state lists (see save_safetensors),
/// FormatError when the file cannot be written.
/// @code
/// keisan::CheckpointInfo info;
/// info.epoch = epoch;
/// info.step = step;
/// info.seed = seed;
/// info.sampler = sampler.state();
/// info.extra["architecture"] = "784-50-10 relu";
/// keisan::save_checkpoint("run.ckpt.safetensors", net.state(), optimizer.state(), info);
/// // ... later, in a fresh process, with the same model and optimizer built:
/// const keisan::CheckpointInfo resumed = keisan::load_checkpoint("run.ckpt.safetensors", net.state(),
///                                                                 optimizer.state());
/// if (resumed.sampler) sampler.restore(*resumed.sampler);
/// @endcode
template <class Scalar>
void save_checkpoint(const std::string& path, const StateList<Scalar>& model_state,
                     const StateList<Scalar>& optimizer_state, const CheckpointInfo& info) {
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : info.extra) {
    if (detail::checkpoint_key_reserved(key))
      throw ValueError("keisan::save_checkpoint: extra metadata key '" + key + "' is reserved for the checkpoint");
    metadata[key] = value;
  }
  metadata["format"] = checkpoint_format;
  metadata["format_version"] = std::to_string(checkpoint_format_version);
  metadata["keisan_version"] = KEISAN_VERSION;
  metadata["epoch"] = std::to_string(info.epoch);
  metadata["step"] = std::to_string(info.step);
  metadata["seed"] = std::to_string(info.seed);
  if (info.sampler)
    for (auto& [key, value] : to_metadata(*info.sampler, "sampler.")) metadata[key] = value;
  save_safetensors(path, concat(model_state, prefixed(optimizer_state, "optimizer.")), metadata);
}

/// Loads a checkpoint written by save_checkpoint() into `model_state` and `optimizer_state`
/// (the same names and shapes as when it was saved, exactly: no tensor missing, none extra) and
/// returns its CheckpointInfo (extra = every metadata key that is not the checkpoint's own).
/// Throws FormatError naming the file: a malformed file (see parse_safetensors_info), a file
/// that is not a keisan checkpoint or of a newer format version, bad checkpoint metadata (every
/// problem listed), or tensors that do not fit the states (every one listed). Nothing is written
/// into the states unless the whole checkpoint fits.
template <class Scalar>
CheckpointInfo load_checkpoint(const std::string& path, const StateList<Scalar>& model_state,
                               const StateList<Scalar>& optimizer_state) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  const SafetensorsInfo file = parse_safetensors_info(bytes.data(), bytes.size(), path);
  const auto& m = file.metadata;
  const auto format = m.find("format");
  if (format == m.end() || format->second != checkpoint_format)
    detail::st_fail(path, "not a keisan checkpoint (" +
                              (format == m.end() ? std::string("no format in its metadata")
                                                 : "its metadata format is '" + format->second + "'") +
                              "; plain weights load with load_safetensors)");
  CheckpointInfo info;
  std::string problems;
  const auto integer = [&](const char* key, bool is_signed, std::uint64_t* as_unsigned = nullptr) -> std::int64_t {
    const auto it = m.find(key);
    if (it == m.end()) {
      problems += std::string(" '") + key + "' is missing;";
      return 0;
    }
    const auto v = detail::checkpoint_integer(it->second, is_signed, as_unsigned);
    if (!v) problems += std::string(" '") + key + "' is '" + it->second + "', not an integer;";
    return v.value_or(0);
  };
  const std::int64_t version = integer("format_version", false);
  if (problems.empty() && version > checkpoint_format_version)
    detail::st_fail(path, "checkpoint format version " + std::to_string(version) + " is newer than this keisan (" +
                              KEISAN_VERSION + ") reads (" + std::to_string(checkpoint_format_version) + ")");
  info.format_version = static_cast<int>(version);
  info.epoch = integer("epoch", true);
  info.step = integer("step", true);
  (void)integer("seed", false, &info.seed);
  if (const auto it = m.find("keisan_version"); it != m.end()) info.keisan_version = it->second;
  if (has_sampler_state(m, "sampler.")) {
    try {
      info.sampler = sampler_state_from_metadata(m, "sampler.");
    } catch (const ValueError& e) {
      const std::string what = e.what();
      problems += " " + what.substr(what.find(": ") + 2) + ";";
    }
  }
  if (!problems.empty()) {
    problems.pop_back();
    detail::st_fail(path, "bad checkpoint metadata:" + problems);
  }
  for (const auto& [key, value] : m)
    if (!detail::checkpoint_key_reserved(key)) info.extra[key] = value;
  parse_safetensors(bytes.data(), bytes.size(), path, concat(model_state, prefixed(optimizer_state, "optimizer.")));
  return info;
}

}  // namespace keisan
