#include "store/sqlite/sqlite_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <pthread.h>

namespace carebridge::store::sqlite {
namespace {

constexpr std::uint64_t kMaxPosition = std::numeric_limits<std::int64_t>::max();

std::string quoted(const std::string& s) {
    return "'" + s + "'";
}

}  // namespace

Writer::Writer(Connection db, Connection checkpoint_db, std::shared_ptr<RecordIndex> index,
               std::size_t max_batches_per_transaction, std::size_t checkpoint_pages, std::string label,
               std::unique_ptr<RecordCompressor> compressor)
    : db_(std::move(db)),
      index_(std::move(index)),
      compressor_(std::move(compressor)),
      label_(std::move(label)),
      max_group_(max_batches_per_transaction > 0 ? max_batches_per_transaction : 1),
      checkpoint_pages_(checkpoint_pages > 0 ? checkpoint_pages : 1),
      checkpointer_(std::move(checkpoint_db), label_) {
    // Replaces SQLite's automatic checkpoint (itself a WAL hook) with the checkpointer thread.
    sqlite3_wal_hook(db_.get(), &Writer::on_wal_commit, this);
    const std::pair<Statement*, const char*> statements[] = {
        {&begin_, "BEGIN IMMEDIATE"},
        {&commit_, "COMMIT"},
        {&rollback_, "ROLLBACK"},
        {&append_, "INSERT INTO records(stream, position, data, codec) VALUES(?1, ?2, ?3, ?4)"},
        {&put_,
         "INSERT INTO snapshots(kind, key, data) VALUES(?1, ?2, ?3)"
         " ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data"},
        {&erase_, "DELETE FROM snapshots WHERE kind = ?1 AND key = ?2"},
        {&delete_record_, "DELETE FROM records WHERE id = ?1"},
    };
    for (const auto& [stmt, sql] : statements) {
        if (const int rc = stmt->prepare(db_.get(), sql); rc != SQLITE_OK) {
            throw StoreError("sqlite store " + label_ + ": cannot prepare \"" + sql +
                             "\": " + describe(db_.get(), rc));
        }
    }
    thread_ = std::thread([this] { run(); });
}

Writer::~Writer() {
    drain();
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Writer::submit(std::shared_ptr<const Batch> batch, Done done) {
    {
        std::lock_guard lock(mu_);
        queue_.push_back(Pending{std::move(batch), std::move(done)});
        ++submitted_;
    }
    wake_.notify_one();
}

void Writer::drain() {
    if (std::this_thread::get_id() == thread_.get_id()) {
        // It would wait for itself forever; this is a bug in the caller, not a runtime state.
        std::fputs("carebridge store: drain() called from a done callback\n", stderr);
        std::abort();
    }
    std::unique_lock lock(mu_);
    const std::uint64_t target = submitted_;
    idle_.wait(lock, [&] { return finished_ >= target; });
}

Store::Stats Writer::stats() const {
    return Store::Stats{batches_.load(), transactions_.load(), failures_.load(),
                        checkpointer_.completed(), record_bytes_.load(), record_bytes_stored_.load()};
}

void Writer::run() {
    pthread_setname_np(pthread_self(), "cb-store-write");  // what `top -H` and the bench show
    std::vector<Pending> group;
    for (;;) {
        {
            std::unique_lock lock(mu_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything is done
            // Everything that queued up while the last transaction was syncing goes into this
            // one: that is the group commit, and it adapts to load by itself.
            const auto n = static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_group_));
            group.assign(std::make_move_iterator(queue_.begin()),
                         std::make_move_iterator(queue_.begin() + n));
            queue_.erase(queue_.begin(), queue_.begin() + n);
        }
        commit_group(group.data(), group.data() + group.size());
        {
            std::lock_guard lock(mu_);
            finished_ += group.size();
        }
        idle_.notify_all();
        group.clear();
    }
}

void Writer::commit_group(Pending* first, Pending* last) {
    while (first != last) {
        Pending* culprit = nullptr;
        const std::string error = transact(first, last, &culprit);
        if (error.empty()) {
            for (Pending* p = first; p != last; ++p) succeeded(*p);
            return;
        }
        if (culprit == nullptr) {
            // BEGIN or COMMIT failed (locked by another process, disk full or I/O error while
            // writing the WAL): no batch is to blame, so each reports it. Retrying them one by
            // one would only multiply the wait or the fsyncs.
            for (Pending* p = first; p != last; ++p) failed(*p, error);
            return;
        }
        // One batch failed (say, a duplicate append): it must not take the others down with
        // it. The ones before it applied cleanly, so they go again together; then it alone,
        // since its failure may have come from them (a full disk, the same position twice);
        // then the rest. done calls stay in submission order.
        if (culprit == first) {
            failed(*culprit, error);  // it failed first in a fresh transaction: as if alone
        } else {
            commit_group(first, culprit);
            if (std::string own = transact(culprit, culprit + 1, nullptr); own.empty()) {
                succeeded(*culprit);
            } else {
                failed(*culprit, own);
            }
        }
        first = culprit + 1;
    }
}

std::string Writer::transact(Pending* first, Pending* last, Pending** culprit) {
    bool any = false;
    for (Pending* p = first; p != last && !any; ++p) any = !p->batch->empty();
    if (!any) return "";  // nothing to write, no reason to sync

    tx_bytes_ = tx_bytes_stored_ = 0;
    if (const int rc = begin_.run(); rc != SQLITE_DONE) {
        const std::string error = "begin transaction: " + describe(db_.get(), rc);
        rollback();
        return error;
    }
    for (Pending* p = first; p != last; ++p) {
        if (std::string error = apply(*p->batch); !error.empty()) {
            rollback();
            if (culprit != nullptr) *culprit = p;
            return error;
        }
    }
    if (const int rc = commit_.run(); rc != SQLITE_DONE) {
        const std::string error = "commit: " + describe(db_.get(), rc);
        rollback();
        return error;
    }
    index_->commit();
    transactions_.fetch_add(1);
    record_bytes_.fetch_add(tx_bytes_);
    record_bytes_stored_.fetch_add(tx_bytes_stored_);
    return "";
}

std::string Writer::apply(const Batch& batch) {
    sqlite3* db = db_.get();
    auto failure = [&](const std::string& what, int rc) { return what + ": " + describe(db, rc); };
    // Removals first, then writes: a batch can reset a stream or snapshot and write its new
    // content atomically, and never deletes what it writes itself.
    // Records are found through the in-memory index (record_index.hpp) and deleted by rowid.
    auto delete_records = [&](const std::vector<RecordIndex::Entry>& entries) {
        for (const auto& e : entries)
            if (const int rc = delete_record_.bind(1, e.rowid).run(); rc != SQLITE_DONE) return rc;
        return SQLITE_DONE;
    };
    for (const auto& stream : batch.dropped_streams) {
        if (const int rc = delete_records(index_->remove_all(stream)); rc != SQLITE_DONE) {
            return failure("drop stream " + quoted(stream), rc);
        }
    }
    for (const auto& [stream, position] : batch.truncations) {
        if (const int rc = delete_records(index_->remove_below(stream, position)); rc != SQLITE_DONE)
            return failure("truncate stream " + quoted(stream), rc);
    }
    for (const auto& [kind, key] : batch.erases) {
        if (const int rc = erase_.bind(1, kind).bind(2, key).run(); rc != SQLITE_DONE) {
            return failure("erase snapshot " + quoted(kind) + "/" + quoted(key), rc);
        }
    }
    for (const auto& r : batch.appends) {
        // Built only on failure: a durable message appends several records.
        auto what = [&r] {
            return "append to stream " + quoted(r.stream) + " at position " + std::to_string(r.position);
        };
        if (r.position > kMaxPosition) return what() + ": position out of range (max 2^63-1)";
        if (index_->contains(r.stream, r.position))
            return what() + ": UNIQUE constraint failed: records.stream, records.position (already stored)";
        // Compressed here, on the writer thread, not on the thread that submitted the batch.
        const std::uint32_t codec = compressor_ ? compressor_->compress(r.data, compressed_) : 0;
        const int rc = append_.bind(1, r.stream)
                           .bind(2, static_cast<std::int64_t>(r.position))
                           .bind_blob(3, codec != 0 ? std::string_view(compressed_) : std::string_view(r.data))
                           .bind(4, static_cast<std::int64_t>(codec))
                           .run();
        if (rc != SQLITE_DONE) return failure(what(), rc);
        tx_bytes_ += r.data.size();
        tx_bytes_stored_ += codec != 0 ? compressed_.size() : r.data.size();
        index_->add(r.stream, r.position, sqlite3_last_insert_rowid(db));
    }
    for (const auto& s : batch.puts) {
        if (const int rc = put_.bind(1, s.kind).bind(2, s.key).bind_blob(3, s.data).run();
            rc != SQLITE_DONE) {
            return failure("put snapshot " + quoted(s.kind) + "/" + quoted(s.key), rc);
        }
    }
    return "";
}

int Writer::on_wal_commit(void* self, sqlite3* db, const char* schema, int pages) {
    auto* w = static_cast<Writer*>(self);
    const auto n = static_cast<std::size_t>(pages);
    if (n >= 8 * w->checkpoint_pages_) {
        // The checkpointer fell behind: catch up here, between transactions, so the next one
        // starts the WAL over. PASSIVE never waits: if the checkpointer holds the lock, it
        // is doing the same work.
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (n >= w->checkpoint_pages_) {
        w->checkpointer_.request();
    }
    return SQLITE_OK;
}

void Writer::rollback() {
    // Some errors (SQLITE_FULL in some places, SQLITE_IOERR) end the transaction by
    // themselves; a ROLLBACK then would only add a second, misleading error.
    if (sqlite3_get_autocommit(db_.get()) == 0) rollback_.run();
    index_->rollback();
}

void Writer::succeeded(Pending& p) {
    batches_.fetch_add(1);
    // An empty batch wrote nothing, so it proves nothing about the disk.
    if (!p.batch->empty() && !healthy_.exchange(true)) {
        std::fprintf(stderr, "carebridge store %s: writes succeed again%s\n", label_.c_str(),
                     repeats_note().c_str());
        last_logged_.clear();
    }
    if (p.done) p.done("");
}

void Writer::failed(Pending& p, const std::string& error) {
    failures_.fetch_add(1);
    const std::string message = "sqlite store " + label_ + ": " + error;
    // One line per new problem: a full disk failing every batch must not flood the log.
    if (healthy_.exchange(false) || message != last_logged_) {
        std::fprintf(stderr, "carebridge store: write failed, batch not applied: %s%s\n",
                     message.c_str(), repeats_note().c_str());
        last_logged_ = message;
    } else {
        ++repeats_;
    }
    if (p.done) p.done(message);
}

std::string Writer::repeats_note() {
    std::string note;
    if (repeats_ > 0) {
        note = " (the previous error repeated " + std::to_string(repeats_) + " times)";
    }
    repeats_ = 0;
    return note;
}

}  // namespace carebridge::store::sqlite
