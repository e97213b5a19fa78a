// How `tickflow run` resumes where it stopped on the in-memory bus, which forgets
// everything when the process ends: ingest journals what it accepted (IngestJournal);
// every few seconds, at a point where every consumer has committed everything (nothing in
// flight, the alarms in notify's outbox), the chained stages save their state and the
// journal is emptied (save_at_rest); at start-up the stages load that state and the
// journal is published again (replay_journal): what the saved state already holds is
// skipped by seq, alarms raised again are recognised by the outbox, and nothing ingest
// answered 200 is lost.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "src/bus/bus.hpp"
#include "src/services/chain/process_signal_chain.hpp"
#include "src/store/ingest_journal.hpp"

namespace tickflow {

// Publishes every record of `journal` to `topic`, waiting while the bus is full (the
// stages must be running). How many; logs what it did.
std::size_t replay_journal(IngestJournal& journal, Bus& bus, const std::string& topic);

// Keeps ingest out of the journal while every consumer catches up (at most `wait`), then
// has the chain save its state and empties the journal. False, changing nothing, when the
// pipeline did not come to rest in time (it is tried again later).
bool save_at_rest(IngestJournal& journal, Bus& bus, ProcessSignalChain& chain, std::chrono::milliseconds wait);

}  // namespace tickflow
