// Pipes for splice(): a TCP direction moves bytes socket -> pipe -> socket without copying them
// through user space. A connection holds a pipe only while bytes are in it and gives it back once
// drained, so idle connections cost no pipe (two descriptors and the pipe's slot array each).
// One pool per relay thread: no lock.
#pragma once

#include <cstddef>
#include <vector>

namespace weir::core::detail {

// One pipe and how many bytes sit in it. Empty (no descriptors) when not held.
struct Pipe {
    int readFd = -1;
    int writeFd = -1;
    std::size_t bytes = 0;    // spliced in, not yet spliced out
    std::size_t capacity = 0; // F_GETPIPE_SZ after sizing: what one splice in may ask for
    bool isOpen() const { return readFd >= 0; }
};

class PipePool {
public:
    // Pipes are sized to `pipeSize` bytes (F_SETPIPE_SZ; a pipe keeps the kernel's default size when
    // that is refused, e.g. over the per-user pipe quota). At most `maxIdle` empty pipes are kept.
    PipePool(std::size_t pipeSize, std::size_t maxIdle);
    ~PipePool();
    PipePool(const PipePool&) = delete;
    PipePool& operator=(const PipePool&) = delete;

    // Fills *pipe from the pool, or with a new pipe. False with the errno in *err when no pipe can
    // be had (EMFILE, ENFILE, ENOMEM): the caller waits or fails, it never spins on it.
    bool take(Pipe* pipe, int* err);
    // Takes `pipe` back: an empty one is kept for reuse (or closed when the pool is full); one with
    // bytes still in it is closed, since they belong to a connection that is gone.
    void give(Pipe* pipe);

    // Closes the idle pipes when none was taken since the last call: a burst's pipes do not stay
    // open for good. Called on a coarse timer.
    void trimIfUnused();

    std::size_t idle() const { return idle_.size(); }
    std::size_t created() const { return created_; } // pipes opened over the pool's life

private:
    std::size_t pipeSize_;
    std::size_t maxIdle_;
    std::vector<Pipe> idle_;
    std::size_t created_ = 0;
    bool takenSinceTrim_ = false;
};

void closePipe(Pipe* pipe);

} // namespace weir::core::detail
