// Saving and restoring the Desk's chats. Each loop turn's changes go to the store as one batch
// (the chats changed, the chats forgotten); callbacks are acknowledged once their batch is in.
#include <algorithm>

#include "helpdesk/chat_codec.hpp"
#include "helpdesk/desk.hpp"

namespace carebridge::helpdesk {

namespace {
constexpr const char* kKind = "helpdesk_chat";
constexpr auto kRetry = std::chrono::milliseconds(1000);
}  // namespace

void Desk::restore() {
    if (!store_) return;
    for (const auto& saved : store_->load(kKind)) {
        auto chat = decode_chat(saved.data, settings_);
        if (!chat) {
            log_("chat " + saved.key + ": saved state unreadable; dropped");
            save(saved.key);  // not in chats_: erased at the next flush
            continue;
        }
        const auto& m = chat->machine;
        const auto& id = m.info().id;
        next_order_ = std::max(next_order_, m.info().order);
        index(chat->invitation.link("self").value_or(""), id);
        index(chat->invitation.link("conversation").value_or(""), id);
        index(chat->meeting.link("self").value_or(""), id);
        const bool waiting = m.phase() == Phase::waiting || m.phase() == Phase::inviting;
        router_.restore(id, m.info().queue, m.info().order, m.left(), waiting, m.agent());
        log_("chat " + id + ": restored (" + to_string(m.phase()) + ")");
        chats_.emplace(id, std::move(chat));
    }
}

// A remote command that was in flight when the last run stopped may or may not have happened.
// Sending a message, inviting an agent or terminating again is harmless (at least once), so
// those run again; a second meeting or bridge could not be undone, so a chat caught starting
// or bridging is closed as if that step had failed (it was milliseconds old).
void Desk::resume() {
    if (resumed_) return;
    resumed_ = true;
    std::vector<std::string> ids;
    for (const auto& [id, chat] : chats_) ids.push_back(id);
    for (const auto& id : ids) {
        Live* chat = find(id);
        if (!chat || !chat->running) continue;
        Command c = std::move(*chat->running);
        chat->running.reset();
        if (c.what == Do::start_meeting || c.what == Do::bridge) {
            Input in{Input::Kind::finished, now()};
            in.op = c.op;
            in.ok = false;
            feed(id, std::move(in));
        } else {
            chat->outbox.push_front(std::move(c));
        }
    }
    for (const auto& id : ids) pump(id);
    dispatch();
}

void Desk::save(const std::string& id) {
    if (!store_) return;
    dirty_.insert(id);
    if (flush_posted_) return;
    flush_posted_ = true;
    scheduler_.post([this, alive = alive_] {
        if (*alive) flush();
    });
}

void Desk::when_saved(std::function<void(bool)> done) {
    if (!store_) return done(true);
    save_waiters_.push_back(std::move(done));
    if (!flush_posted_) {
        flush_posted_ = true;
        scheduler_.post([this, alive = alive_] {
            if (*alive) flush();
        });
    }
}

void Desk::flush() {
    flush_posted_ = false;
    store::Batch batch;
    std::vector<std::string> ids(dirty_.begin(), dirty_.end());
    for (const auto& id : ids) {
        if (Live* chat = find(id)) batch.puts.push_back({kKind, id, encode_chat(*chat)});
        else batch.erases.emplace_back(kKind, id);
    }
    dirty_.clear();
    auto waiters = std::move(save_waiters_);
    save_waiters_.clear();
    if (batch.empty()) {  // nothing new: done when the commits before it are
        if (committing_.empty()) {
            for (auto& w : waiters) w(true);
        } else {
            for (auto& w : waiters) committing_.back().push_back(std::move(w));
        }
        return;
    }
    committing_.push_back(std::move(waiters));
    // Commits finish in the order they were made; the answer comes on the store's thread.
    store_->commit(std::move(batch), [this, alive = alive_, &scheduler = scheduler_,
                                      ids = std::move(ids)](const std::string& error) {
        scheduler.post([this, alive, ids, error] {
            if (!*alive) return;
            auto waiters = std::move(committing_.front());
            committing_.pop_front();
            if (!error.empty()) {
                log_("cannot save chats (" + error + "); retrying");
                dirty_.insert(ids.begin(), ids.end());
                flush_retry_ = scheduler_.after(kRetry, [this] { flush(); });
            }
            for (auto& w : waiters) w(error.empty());
        });
    });
}

}  // namespace carebridge::helpdesk
