/* The shape of coreutils' `sort --parallel=2` merge tree: every node's
   mutex set up by one pthread_mutex_init call site, and a node's parent
   locked while the node is held, always child then parent. No order among
   instances is ever inverted: per instance (the preload library's default)
   nothing is reported; by lockdep's class rule (same_class=class) it is
   recursive locking. With "invert", one thread also locks a parent, then
   its child: a real ABBA between two instances of the one class. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define NODES 15 /* a complete binary tree: node i's parent is (i - 1) / 2 */

struct node {
  pthread_mutex_t lock;
  long merged;
};
static struct node tree[NODES];

static void* merge_up(void* arg) {
  long leaf = (long)arg;
  for (long i = leaf; i > 0; i = (i - 1) / 2) {
    struct node* child = &tree[i];
    struct node* parent = &tree[(i - 1) / 2];
    pthread_mutex_lock(&child->lock);
    pthread_mutex_lock(&parent->lock);
    parent->merged += child->merged + 1;
    pthread_mutex_unlock(&parent->lock);
    pthread_mutex_unlock(&child->lock);
  }
  return NULL;
}

static void* parent_then_child(void* arg) {
  (void)arg;
  pthread_mutex_lock(&tree[0].lock);
  pthread_mutex_lock(&tree[1].lock);
  pthread_mutex_unlock(&tree[1].lock);
  pthread_mutex_unlock(&tree[0].lock);
  return NULL;
}

int main(int argc, char** argv) {
  for (int i = 0; i < NODES; ++i) pthread_mutex_init(&tree[i].lock, NULL);
  /* Two workers merge from the leaves in turn (no hang, same orders). */
  for (long leaf = NODES / 2; leaf < NODES; leaf += 2) {
    pthread_t a, b;
    pthread_create(&a, NULL, merge_up, (void*)leaf);
    pthread_create(&b, NULL, merge_up, (void*)(leaf + 1 < NODES ? leaf + 1 : leaf));
    pthread_join(a, NULL);
    pthread_join(b, NULL);
  }
  if (argc > 1 && strcmp(argv[1], "invert") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, parent_then_child, NULL);
    pthread_join(t, NULL);
  }
  printf("merge_tree: root merged %ld\n", tree[0].merged);
  return 0;
}
