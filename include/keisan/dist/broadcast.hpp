// keisan dist: broadcast of named state (a module's weights and buffers, an optimizer's slots)
// from one process to all, so that data-parallel training starts from the same weights.
// SPDX-License-Identifier: MIT
#pragma once

#include <mpi.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/state.hpp"
#include "keisan/dist/communicator.hpp"

namespace keisan::dist {

/// Copies every tensor of `state` (matrices and integer counters, e.g. `net.state()`) from
/// process `root` into the same tensors on every other process of `comm`. A collective: every
/// process calls it with a list of the same length, kinds and shapes. When they differ, every
/// process throws ShapeError (all of them, so none is left waiting) naming the first tensor that
/// differs; MpiError when an MPI call fails; ValueError for a root outside the communicator or a
/// tensor of more than INT_MAX elements.
/// @code
/// keisan::dist::broadcast(world, net.state());  // rank 0's initial weights everywhere
/// @endcode
template <class Scalar>
void broadcast(const Communicator& comm, const StateList<Scalar>& state, int root = 0) {
  if (root < 0 || root >= comm.size())
    throw ValueError("keisan::dist::broadcast: root " + std::to_string(root) + " is not a rank of a communicator of " +
                     std::to_string(comm.size()) + " processes");
  // The shapes as one array: [count, then rows and cols of each tensor (-1, -1 for a counter)].
  const std::size_t n = state.size();
  std::vector<std::int64_t> mine(1 + 2 * n);
  mine[0] = static_cast<std::int64_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& t = state[i];
    if ((t.matrix == nullptr) == (t.integer == nullptr))
      throw ValueError("keisan::dist::broadcast: tensor '" + t.name + "' must have exactly one of matrix and integer");
    const bool counter = t.integer != nullptr;
    mine[1 + 2 * i] = counter ? -1 : static_cast<std::int64_t>(t.matrix->rows());
    mine[2 + 2 * i] = counter ? -1 : static_cast<std::int64_t>(t.matrix->cols());
    if (!counter && t.matrix->size() > INT_MAX)
      throw ValueError("keisan::dist::broadcast: tensor '" + t.name + "' has more than INT_MAX elements");
  }
  std::int64_t count = mine[0];
  check_mpi(MPI_Bcast(&count, 1, MPI_INT64_T, root, comm.comm()), "MPI_Bcast (tensor count)");
  // Agree on the count first (the shapes array's length depends on it).
  int same = count == mine[0] ? 1 : 0, all_same = 0;
  check_mpi(MPI_Allreduce(&same, &all_same, 1, MPI_INT, MPI_MIN, comm.comm()), "MPI_Allreduce (tensor count)");
  if (all_same == 0)
    throw ShapeError("keisan::dist::broadcast: rank " + std::to_string(root) + " has " + std::to_string(count) +
                     " tensors and another rank a different number (rank " + std::to_string(comm.rank()) + ": " +
                     std::to_string(n) + ")");
  std::vector<std::int64_t> theirs = mine;
  check_mpi(MPI_Bcast(theirs.data(), static_cast<int>(theirs.size()), MPI_INT64_T, root, comm.comm()),
            "MPI_Bcast (tensor shapes)");
  int first_bad = INT_MAX, any_bad = INT_MAX;
  for (std::size_t i = 0; i < n && first_bad == INT_MAX; ++i)
    if (theirs[1 + 2 * i] != mine[1 + 2 * i] || theirs[2 + 2 * i] != mine[2 + 2 * i]) first_bad = static_cast<int>(i);
  check_mpi(MPI_Allreduce(&first_bad, &any_bad, 1, MPI_INT, MPI_MIN, comm.comm()), "MPI_Allreduce (tensor shapes)");
  if (any_bad != INT_MAX) {
    const auto i = static_cast<std::size_t>(any_bad);
    const auto shape = [](std::int64_t r, std::int64_t c) {
      return r < 0 ? std::string("an integer") : shape_string(static_cast<Index>(r), static_cast<Index>(c));
    };
    throw ShapeError("keisan::dist::broadcast: tensor " + std::to_string(i) + " ('" + state[i].name + "') is " +
                     shape(theirs[1 + 2 * i], theirs[2 + 2 * i]) + " on rank " + std::to_string(root) +
                     " but differs on another rank (rank " + std::to_string(comm.rank()) + ": " +
                     shape(mine[1 + 2 * i], mine[2 + 2 * i]) + ")");
  }
  for (const auto& t : state) {
    if (t.integer != nullptr)
      check_mpi(MPI_Bcast(t.integer, 1, MPI_INT64_T, root, comm.comm()), "MPI_Bcast (counter)");
    else if (t.matrix->size() > 0)
      check_mpi(MPI_Bcast(t.matrix->data(), static_cast<int>(t.matrix->size()), mpi_type<Scalar>(), root, comm.comm()),
                "MPI_Bcast (tensor)");
  }
}

}  // namespace keisan::dist
