#include "store/sqlite/sqlite_checkpointer.hpp"

#include <pthread.h>

#include <cstdio>

namespace carebridge::store::sqlite {

Checkpointer::Checkpointer(Connection db, std::string label)
    : db_(std::move(db)), label_(std::move(label)), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Checkpointer::request() {
    {
        std::lock_guard lock(mu_);
        requested_ = true;
    }
    wake_.notify_one();
}

void Checkpointer::run() {
    pthread_setname_np(pthread_self(), "cb-store-ckpt");  // what `top -H` and the bench show
    for (;;) {
        {
            std::unique_lock lock(mu_);
            wake_.wait(lock, [&] { return stopping_ || requested_; });
            if (stopping_) return;  // the writer's close checkpoints what is left
            requested_ = false;
        }
        checkpoint();
    }
}

void Checkpointer::checkpoint() {
    // PASSIVE: copies every frame no reader still needs and never waits for the writer. Once
    // it has caught up, the writer's next transaction starts the WAL over from its beginning.
    const int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             nullptr, nullptr);
    if (rc == SQLITE_OK) {
        completed_.fetch_add(1);
        if (!last_error_.empty()) {
            std::fprintf(stderr, "carebridge store %s: checkpoints succeed again\n", label_.c_str());
            last_error_.clear();
        }
        return;
    }
    // BUSY: another checkpoint holds the lock (the writer's own, past its hard limit).
    if ((rc & 0xff) == SQLITE_BUSY) return;
    // The WAL only grows meanwhile; nothing is lost, the next request tries again.
    const std::string error = describe(db_.get(), rc);
    if (error != last_error_) {
        std::fprintf(stderr, "carebridge store %s: checkpoint failed: %s\n", label_.c_str(),
                     error.c_str());
        last_error_ = error;
    }
}

}  // namespace carebridge::store::sqlite
