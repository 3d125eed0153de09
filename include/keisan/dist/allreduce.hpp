// keisan dist: GradientAllreduce, the sum of every process's parameter gradients through one
// preallocated flat buffer, in a fast mode (MPI_Allreduce) or a deterministic one (gather, then
// a sum in rank order).
// SPDX-License-Identifier: MIT
#pragma once

#include <mpi.h>

#include <climits>
#include <string>
#include <utility>

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/parameter.hpp"
#include "keisan/dist/communicator.hpp"

namespace keisan::dist {

/// How GradientAllreduce sums the processes' gradients.
enum class Reduction {
  /// One MPI_Allreduce (MPI_SUM): the library picks the algorithm, and with it the order of the
  /// float additions (Open MPI's changes with the process count and message size), so the last
  /// bits may differ from a sum in rank order.
  fast,
  /// MPI_Allgather of every process's gradients, then every process adds them in rank order
  /// 0, 1, ..., P-1: bit-identical to one process accumulating the same micro-batches in order
  /// (GradientAccumulator). Moves P times more data than `fast`.
  deterministic,
};

/// The name of a reduction mode ("fast", "deterministic").
[[nodiscard]] inline const char* reduction_name(Reduction mode) noexcept {
  return mode == Reduction::fast ? "fast" : "deterministic";
}

/// Sums the parameters' gradients over the processes of a communicator, in a fixed parameter
/// order through one flat buffer allocated in the constructor (reduce() allocates nothing on
/// keisan's side), plus `extras` scalars the caller puts beside them (a loss, a hit count),
/// which are summed the same way.
/// @code
/// keisan::dist::GradientAllreduce<float> reducer(world, net.parameters(), keisan::dist::Reduction::fast);
/// // each process: zero_grad, forward and backward on its part of the global batch, then
/// reducer.reduce(1, world.size());  // every gradient: the mean of the processes' gradients
/// opt.step();
/// @endcode
template <class Scalar>
class GradientAllreduce {
  using FlatVector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

 public:
  /// A collective: every process of `comm` makes it with parameters of the same shapes in the
  /// same order and the same `extras`; otherwise every process throws ShapeError. Throws
  /// ValueError for a null parameter or more than INT_MAX elements, MpiError when MPI fails.
  GradientAllreduce(Communicator comm, ParameterList<Scalar> params, Reduction mode, Index extras = 0)
      : comm_(comm), params_(std::move(params)), mode_(mode), extras_(extras) {
    if (extras < 0)
      throw ValueError("keisan::dist::GradientAllreduce: extras must be >= 0, got " + std::to_string(extras));
    Index total = extras;
    for (const auto& p : params_) {
      if (p.parameter == nullptr)
        throw ValueError("keisan::dist::GradientAllreduce: parameter '" + p.name + "' is a null pointer");
      total += p.parameter->value().size();
    }
    if (total > INT_MAX)
      throw ValueError("keisan::dist::GradientAllreduce: " + std::to_string(total) +
                       " gradient elements; at most INT_MAX fit one MPI message");
    // Every process must lay out the same buffer: compare the element counts.
    long long mine = total, lo = 0, hi = 0;
    check_mpi(MPI_Allreduce(&mine, &lo, 1, MPI_LONG_LONG, MPI_MIN, comm_.comm()), "MPI_Allreduce (buffer size)");
    check_mpi(MPI_Allreduce(&mine, &hi, 1, MPI_LONG_LONG, MPI_MAX, comm_.comm()), "MPI_Allreduce (buffer size)");
    if (lo != hi)
      throw ShapeError("keisan::dist::GradientAllreduce: the processes' parameters differ: " + std::to_string(lo) +
                       " to " + std::to_string(hi) + " gradient elements (rank " + std::to_string(comm_.rank()) + ": " +
                       std::to_string(total) + ")");
    flat_.resize(total);
    flat_.setZero();
    if (mode_ == Reduction::deterministic) gathered_.resize(total, comm_.size());
  }

  [[nodiscard]] Reduction mode() const noexcept { return mode_; }
  /// Elements of the flat buffer (all gradients, then the extras).
  [[nodiscard]] Index size() const noexcept { return flat_.size(); }

  /// The extras: write this process's values before reduce(); after it they hold the sums.
  [[nodiscard]] Scalar* extras() noexcept { return flat_.data() + (flat_.size() - extras_); }

  /// Sets every parameter's gradient on every process to (sum over processes of `weight` times
  /// that process's gradient) / `divisor`, and the extras to their sums over processes. With
  /// weight 1 and divisor = comm.size(): the mean of the processes' gradients. A collective.
  /// Throws ValueError for a divisor <= 0, MpiError when MPI fails.
  void reduce(Scalar weight, Scalar divisor) {
    if (!(divisor > Scalar(0)))
      throw ValueError("keisan::dist::GradientAllreduce::reduce: the divisor must be > 0, got " +
                       std::to_string(static_cast<double>(divisor)));
    Index offset = 0;
    for (const auto& p : params_) {  // pack, in parameter order
      const Matrix<Scalar>& g = p.parameter->grad();
      auto part = flat_.segment(offset, g.size());
      const Eigen::Map<const FlatVector> flat_g(g.data(), g.size());
      if (weight == Scalar(1))
        part = flat_g;
      else
        part.array() = flat_g.array() * weight;
      offset += g.size();
    }
    const int count = static_cast<int>(flat_.size());
    if (mode_ == Reduction::fast) {
      check_mpi(MPI_Allreduce(MPI_IN_PLACE, flat_.data(), count, mpi_type<Scalar>(), MPI_SUM, comm_.comm()),
                "MPI_Allreduce (gradients)");
    } else {
      check_mpi(MPI_Allgather(flat_.data(), count, mpi_type<Scalar>(), gathered_.data(), count, mpi_type<Scalar>(),
                              comm_.comm()),
                "MPI_Allgather (gradients)");
      flat_ = gathered_.col(0);  // rank 0's, then rank 1's added, then rank 2's, ...
      for (Index r = 1; r < gathered_.cols(); ++r) flat_.array() += gathered_.col(r).array();
    }
    offset = 0;
    for (const auto& p : params_) {  // unpack: the mean, as GradientAccumulator::store
      Matrix<Scalar>& g = p.parameter->mutable_grad();
      Eigen::Map<FlatVector> flat_g(g.data(), g.size());
      flat_g.array() = flat_.segment(offset, g.size()).array() / divisor;
      offset += g.size();
    }
  }

 private:
  Communicator comm_;
  ParameterList<Scalar> params_;
  Reduction mode_;
  Index extras_;
  FlatVector flat_;
  // deterministic: rank r's gradients in column r (column-major: contiguous, as MPI_Allgather writes them)
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor> gathered_;
};

}  // namespace keisan::dist
