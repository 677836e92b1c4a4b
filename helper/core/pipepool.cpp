#include "core/pipepool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace weir::core::detail {

void closePipe(Pipe* pipe) {
    if (pipe->readFd >= 0)
        ::close(pipe->readFd);
    if (pipe->writeFd >= 0)
        ::close(pipe->writeFd);
    *pipe = Pipe{};
}

PipePool::PipePool(std::size_t pipeSize, std::size_t maxIdle)
    : pipeSize_(pipeSize)
    , maxIdle_(maxIdle) {
    idle_.reserve(maxIdle);
}

PipePool::~PipePool() {
    for (Pipe& p : idle_)
        closePipe(&p);
}

bool PipePool::take(Pipe* pipe, int* err) {
    takenSinceTrim_ = true;
    if (!idle_.empty()) {
        *pipe = idle_.back();
        idle_.pop_back();
        return true;
    }
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        *err = errno;
        return false;
    }
    ++created_;
    // A refused size (EPERM over the per-user quota, EBUSY) leaves the default: slower, still correct.
    ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(pipeSize_));
    const int size = ::fcntl(fds[1], F_GETPIPE_SZ);
    *pipe = Pipe{fds[0], fds[1], 0, size > 0 ? static_cast<std::size_t>(size) : 4096};
    return true;
}

void PipePool::trimIfUnused() {
    if (!takenSinceTrim_) {
        for (Pipe& p : idle_)
            closePipe(&p);
        idle_.clear();
    }
    takenSinceTrim_ = false;
}

void PipePool::give(Pipe* pipe) {
    if (!pipe->isOpen())
        return;
    if (pipe->bytes == 0 && idle_.size() < maxIdle_) {
        idle_.push_back(*pipe);
        *pipe = Pipe{};
        return;
    }
    closePipe(pipe);
}

} // namespace weir::core::detail
