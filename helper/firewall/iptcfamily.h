// The legacy xtables families as traits over libiptc / libip6tc, and small helpers shared by the
// backend's files (iptcbackend.cpp applies and removes, iptcverify.cpp checks). Internal.
#pragma once

#include "firewall/ruleplan.h"

// <netinet/in.h> must come before any <linux/netfilter*.h> (struct in_addr is defined by both).
#include <netinet/in.h>
#include <libiptc/libiptc.h>
extern "C" { // libip6tc.h (iptables 1.8.9) has no extern "C" guard of its own
#include <libiptc/libip6tc.h>
}
#include <linux/netfilter/xt_comment.h>

#include <array>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace weir::firewall::iptc {

// ---------------------------------------------------------------------------------------------
// Small helpers

// libiptc takes chain names as char[32] (xt_chainlabel); GCC warns when a shorter buffer is passed.
using Label = std::array<char, sizeof(xt_chainlabel)>;

inline Label label(const std::string& name) {
    Label l{};
    std::strncpy(l.data(), name.c_str(), l.size() - 1);
    return l;
}

inline void setError(std::string* error, const std::string& text) {
    if (error)
        *error = text;
}

// ---------------------------------------------------------------------------------------------
// Family traits: the libiptc / libip6tc entry points and what differs in the entries.

struct V4 {
    using Entry = ipt_entry;
    static constexpr Family family = Family::V4;
    static constexpr int af = AF_INET;
    static constexpr const char* namesFile = "/proc/net/ip_tables_names";
    static constexpr const char* label = "iptables";

    static xtc_handle* init(const char* table) { return iptc_init(table); }
    static void free(xtc_handle* h) { iptc_free(h); }
    static int commit(xtc_handle* h) { return iptc_commit(h); }
    static const char* strerror(int err) { return iptc_strerror(err); }
    static const char* firstChain(xtc_handle* h) { return iptc_first_chain(h); }
    static const char* nextChain(xtc_handle* h) { return iptc_next_chain(h); }
    static const Entry* firstRule(const char* c, xtc_handle* h) { return iptc_first_rule(c, h); }
    static const Entry* nextRule(const Entry* e, xtc_handle* h) { return iptc_next_rule(e, h); }
    static const char* target(const Entry* e, xtc_handle* h) { return iptc_get_target(e, h); }
    static int isChain(const Label& c, xtc_handle* h) { return iptc_is_chain(c.data(), h); }
    static int createChain(const Label& c, xtc_handle* h) { return iptc_create_chain(c.data(), h); }
    static int flush(const Label& c, xtc_handle* h) { return iptc_flush_entries(c.data(), h); }
    static int deleteChain(const Label& c, xtc_handle* h) { return iptc_delete_chain(c.data(), h); }
    static int append(const Label& c, const Entry* e, xtc_handle* h) {
        return iptc_append_entry(c.data(), e, h);
    }
    static int insert(const Label& c, const Entry* e, unsigned n, xtc_handle* h) {
        return iptc_insert_entry(c.data(), e, n, h);
    }
    static int deleteNum(const Label& c, unsigned n, xtc_handle* h) {
        return iptc_delete_num_entry(c.data(), n, h);
    }
    static int deleteEntry(const Label& c, const Entry* e, unsigned char* mask, xtc_handle* h) {
        return iptc_delete_entry(c.data(), e, mask, h);
    }
};

struct V6 {
    using Entry = ip6t_entry;
    static constexpr Family family = Family::V6;
    static constexpr int af = AF_INET6;
    static constexpr const char* namesFile = "/proc/net/ip6_tables_names";
    static constexpr const char* label = "ip6tables";

    static xtc_handle* init(const char* table) { return ip6tc_init(table); }
    static void free(xtc_handle* h) { ip6tc_free(h); }
    static int commit(xtc_handle* h) { return ip6tc_commit(h); }
    static const char* strerror(int err) { return ip6tc_strerror(err); }
    static const char* firstChain(xtc_handle* h) { return ip6tc_first_chain(h); }
    static const char* nextChain(xtc_handle* h) { return ip6tc_next_chain(h); }
    static const Entry* firstRule(const char* c, xtc_handle* h) { return ip6tc_first_rule(c, h); }
    static const Entry* nextRule(const Entry* e, xtc_handle* h) { return ip6tc_next_rule(e, h); }
    static const char* target(const Entry* e, xtc_handle* h) { return ip6tc_get_target(e, h); }
    static int isChain(const Label& c, xtc_handle* h) { return ip6tc_is_chain(c.data(), h); }
    static int createChain(const Label& c, xtc_handle* h) { return ip6tc_create_chain(c.data(), h); }
    static int flush(const Label& c, xtc_handle* h) { return ip6tc_flush_entries(c.data(), h); }
    static int deleteChain(const Label& c, xtc_handle* h) { return ip6tc_delete_chain(c.data(), h); }
    static int append(const Label& c, const Entry* e, xtc_handle* h) {
        return ip6tc_append_entry(c.data(), e, h);
    }
    static int insert(const Label& c, const Entry* e, unsigned n, xtc_handle* h) {
        return ip6tc_insert_entry(c.data(), e, n, h);
    }
    static int deleteNum(const Label& c, unsigned n, xtc_handle* h) {
        return ip6tc_delete_num_entry(c.data(), n, h);
    }
    static int deleteEntry(const Label& c, const Entry* e, unsigned char* mask, xtc_handle* h) {
        return ip6tc_delete_entry(c.data(), e, mask, h);
    }
};

template <class F> bool hasWeirComment(const typename F::Entry* e) {
    const auto* base = reinterpret_cast<const unsigned char*>(e);
    for (std::size_t off = sizeof(typename F::Entry); off + sizeof(xt_entry_match) <= e->target_offset;) {
        const auto* m = reinterpret_cast<const xt_entry_match*>(base + off);
        if (m->u.match_size == 0)
            break;
        if (std::strcmp(m->u.user.name, "comment") == 0) {
            const auto* c = reinterpret_cast<const xt_comment_info*>(m->data);
            if (std::strncmp(c->comment, kRuleComment, sizeof(c->comment)) == 0)
                return true;
        }
        off += m->u.match_size;
    }
    return false;
}

template <class F> std::vector<const Rule*> rulesOf(const RulePlan& plan, Table table) {
    std::vector<const Rule*> out;
    for (const auto& r : plan.rules)
        if (r.family == F::family && r.table == table)
            out.push_back(&r);
    return out;
}

template <class F> std::vector<std::string> chainsOf(const RulePlan& plan, Table table) {
    std::vector<std::string> out;
    for (const auto& c : plan.chains)
        if (c.family == F::family && c.table == table)
            out.push_back(c.name);
    return out;
}

inline bool tableExists(const char* namesFile, const char* table) {
    std::ifstream in(namesFile);
    std::string line;
    while (std::getline(in, line))
        if (line == table)
            return true;
    return false;
}

} // namespace weir::firewall::iptc
