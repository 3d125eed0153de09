// keisan dist: MPI set-up and the communicator the other dist headers work on. Optional: needs
// MPI (the keisan::mpi CMake target); the rest of keisan never includes it.
// SPDX-License-Identifier: MIT
#pragma once

#include <mpi.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace keisan::dist {

/// An MPI call failed. The message names the call and MPI's own words for the error.
class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws MpiError naming `what` when `rc` is not MPI_SUCCESS (the communicators keisan uses
/// return errors instead of aborting: see Environment).
inline void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) length = 0;
  throw MpiError(std::string("keisan::dist: ") + what + " failed: " +
                 (length > 0 ? std::string(text, static_cast<std::size_t>(length)) : "error " + std::to_string(rc)));
}

/// True when this process was started by an MPI launcher (mpirun/mpiexec of Open MPI or MPICH,
/// Slurm's srun with PMI or PMIx): one of the variables they set is in the environment. A
/// program that finds none can skip MPI_Init and run as one process.
[[nodiscard]] inline bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return true;
  return false;
}

/// MPI_Init in the constructor, MPI_Finalize in the destructor (RAII for a program's main), and
/// MPI_COMM_WORLD set to return errors (checked by check_mpi) instead of aborting silently.
/// Throws MpiError when MPI was already initialized or MPI_Init fails.
class Environment {
 public:
  Environment(int& argc, char**& argv) {
    int initialized = 0;
    check_mpi(MPI_Initialized(&initialized), "MPI_Initialized");
    if (initialized != 0) throw MpiError("keisan::dist::Environment: MPI is already initialized");
    check_mpi(MPI_Init(&argc, &argv), "MPI_Init");
    check_mpi(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  }
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  ~Environment() {
    int finalized = 0;
    if (MPI_Finalized(&finalized) == MPI_SUCCESS && finalized == 0) MPI_Finalize();
  }
};

/// A communicator's rank and size: MPI_COMM_WORLD by default, or one the user made (which the
/// user keeps alive and frees). Copies are cheap views of the same communicator.
/// @code
/// keisan::dist::Environment mpi(argc, argv);
/// keisan::dist::Communicator world;
/// if (world.rank() == 0) std::printf("%d processes\n", world.size());
/// @endcode
class Communicator {
 public:
  /// Throws MpiError when MPI is not initialized or `comm` is not a valid communicator.
  explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    int initialized = 0;
    check_mpi(MPI_Initialized(&initialized), "MPI_Initialized");
    if (initialized == 0)
      throw MpiError("keisan::dist::Communicator: MPI is not initialized (make a keisan::dist::Environment first)");
    if (comm == MPI_COMM_NULL) throw MpiError("keisan::dist::Communicator: the communicator is MPI_COMM_NULL");
    check_mpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }
  [[nodiscard]] MPI_Comm comm() const noexcept { return comm_; }

  /// Waits for every process of the communicator.
  void barrier() const { check_mpi(MPI_Barrier(comm_), "MPI_Barrier"); }

  /// Ends every process of the communicator with exit code `code` (MPI_Abort): how one failing
  /// process stops the others instead of leaving them waiting in a collective forever.
  [[noreturn]] void abort(int code) const noexcept {
    MPI_Abort(comm_, code);
    std::_Exit(code);  // MPI_Abort does not return; if it ever did, still end this process
  }

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

/// The MPI datatype of a floating scalar (float, double).
template <class Scalar>
[[nodiscard]] MPI_Datatype mpi_type() noexcept;
template <>
[[nodiscard]] inline MPI_Datatype mpi_type<float>() noexcept {
  return MPI_FLOAT;
}
template <>
[[nodiscard]] inline MPI_Datatype mpi_type<double>() noexcept {
  return MPI_DOUBLE;
}

}  // namespace keisan::dist
