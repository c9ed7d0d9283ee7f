// A circular doubly linked list as the kernel's <linux/list.h>: the node is
// embedded in the object, so adding and removing never allocates. Not
// synchronised: every list names the lock that protects it.
#ifndef LOCKDEP_CORE_LIST_H_
#define LOCKDEP_CORE_LIST_H_

#include <type_traits>

#include "core/types.h"

struct list_head {
  struct list_head* next;
  struct list_head* prev;
};

#define LIST_HEAD_INIT(name) \
  { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

inline void INIT_LIST_HEAD(struct list_head* list) {
  list->next = list;
  list->prev = list;
}

inline void __list_add(struct list_head* entry, struct list_head* prev,
                       struct list_head* next) {
  next->prev = entry;
  entry->next = next;
  entry->prev = prev;
  prev->next = entry;
}

// Inserts `entry` right after `head` (a stack).
inline void list_add(struct list_head* entry, struct list_head* head) {
  __list_add(entry, head, head->next);
}

// Inserts `entry` right before `head` (a queue).
inline void list_add_tail(struct list_head* entry, struct list_head* head) {
  __list_add(entry, head->prev, head);
}

// Unlinks `entry`; it is then in no list and must not be tested with
// list_empty() (use list_del_init() for that).
inline void list_del(struct list_head* entry) {
  entry->next->prev = entry->prev;
  entry->prev->next = entry->next;
  entry->next = nullptr;
  entry->prev = nullptr;
}

// Unlinks `entry` and makes it an empty list of its own.
inline void list_del_init(struct list_head* entry) {
  entry->next->prev = entry->prev;
  entry->prev->next = entry->next;
  INIT_LIST_HEAD(entry);
}

inline bool list_empty(const struct list_head* head) {
  return head->next == head;
}

// Moves every entry of `list` to `head` (which must be empty); `list` is left
// empty.
inline void list_replace_init(struct list_head* list, struct list_head* head) {
  if (list_empty(list)) {
    INIT_LIST_HEAD(head);
    return;
  }
  head->next = list->next;
  head->prev = list->prev;
  head->next->prev = head;
  head->prev->next = head;
  INIT_LIST_HEAD(list);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)

// Every entry of `head` as `pos`, a pointer to the struct holding `member`.
#define list_for_each_entry(pos, head, member)                                 \
  for (pos = list_entry((head)->next, std::remove_reference_t<decltype(*pos)>, \
                        member);                                               \
       &pos->member != (head);                                                 \
       pos = list_entry(pos->member.next,                                      \
                        std::remove_reference_t<decltype(*pos)>, member))

// As list_for_each_entry; `pos` may be unlinked (and freed) in the body.
#define list_for_each_entry_safe(pos, n, head, member)                         \
  for (pos = list_entry((head)->next, std::remove_reference_t<decltype(*pos)>, \
                        member),                                               \
      n = list_entry(pos->member.next,                                         \
                     std::remove_reference_t<decltype(*pos)>, member);         \
       &pos->member != (head);                                                 \
       pos = n, n = list_entry(n->member.next,                                 \
                               std::remove_reference_t<decltype(*n)>, member))

#endif  // LOCKDEP_CORE_LIST_H_
