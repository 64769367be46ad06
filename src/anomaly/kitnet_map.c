/*
 * kitnet_map.c - KitNET's feature mapper (kenchi/anomaly.h): which features
 * share an autoencoder. During the map phase the co-moments of every
 * feature pair are accumulated (Welford's online update, numerically stable
 * over counts that reach 1e5); at its end the correlation distance
 * d(i, j) = 1 - r(i, j) is clustered by single linkage (the minimum
 * spanning tree of the distances, merged in increasing order), and the
 * dendrogram is cut top down: a subtree of at most max_size features
 * becomes one cluster, a larger one is split into its two children. So
 * features that move together are reconstructed together, and no cluster
 * exceeds max_size. Ties break towards lower feature indices, so the map
 * is a function of the data alone. No allocation: the caller passes
 * scratch space (kitnet_cluster_work()).
 */
#include <math.h>
#include <string.h>

#include "anomaly/kitnet_int.h"

void kitnet_fm_update(struct kitnet_fm *fm, const double *x)
{
	unsigned n = fm->n;
	fm->count++;
	double inv = 1.0 / (double)fm->count, keep = 1.0 - inv;
	for (unsigned i = 0; i < n; i++) {
		fm->dev[i] = x[i] - fm->mean[i];
		fm->mean[i] += fm->dev[i] * inv;
	}
	/* (x_i - old mean_i) * (x_j - new mean_j) = dev_i * dev_j * (1 - 1/count) */
	for (unsigned i = 0; i < n; i++) {
		double a = fm->dev[i] * keep;
		double *row = fm->com + (size_t)i * n;
		for (unsigned j = i; j < n; j++)
			row[j] += a * fm->dev[j];
	}
}

void kitnet_fm_distance(const struct kitnet_fm *fm, double *dist)
{
	unsigned n = fm->n;
	const double *c = fm->com;
	for (unsigned i = 0; i < n; i++) {
		dist[(size_t)i * n + i] = 0.0;
		for (unsigned j = i + 1; j < n; j++) {
			double vi = c[(size_t)i * n + i], vj = c[(size_t)j * n + j];
			double d = 1.0;
			if (vi > 0 && vj > 0) {
				double r = c[(size_t)i * n + j] / sqrt(vi * vj);
				d = isfinite(r) ? 1.0 - (r > 1 ? 1 : r < -1 ? -1 : r) : 1.0;
			}
			dist[(size_t)i * n + j] = dist[(size_t)j * n + i] = d;
		}
	}
}

/* Scratch layout (unsigned): in_tree, from, edge u, edge v, edge order,
 * union-find parent, set -> dendrogram node, left, right, node size (n
 * each), two stacks of 2n. */
size_t kitnet_cluster_work(unsigned n)
{
	return 14u * (size_t)n + 4;
}

struct dendro {
	unsigned n;
	unsigned *left, *right, *size; /* internal node m = n + index */
};

/* Prim's algorithm: the n - 1 minimum spanning tree edges (eu, ev, ew). */
static void spanning_tree(const double *dist, unsigned n, unsigned *in_tree, unsigned *from,
			  unsigned *eu, unsigned *ev, double *best, double *ew)
{
	memset(in_tree, 0, n * sizeof *in_tree);
	in_tree[0] = 1;
	for (unsigned j = 0; j < n; j++) {
		best[j] = dist[j];
		from[j] = 0;
	}
	for (unsigned e = 0; e + 1 < n; e++) {
		unsigned pick = n;
		for (unsigned j = 0; j < n; j++)
			if (!in_tree[j] && (pick == n || best[j] < best[pick]))
				pick = j;
		in_tree[pick] = 1;
		eu[e] = from[pick];
		ev[e] = pick;
		ew[e] = best[pick];
		for (unsigned j = 0; j < n; j++) {
			double d = dist[(size_t)pick * n + j];
			if (!in_tree[j] && d < best[j]) {
				best[j] = d;
				from[j] = pick;
			}
		}
	}
}

/* Edge indices sorted by weight, ties by index (insertion sort: stable,
 * no allocation, runs once per model). */
static void sort_edges(const double *ew, unsigned m, unsigned *ord)
{
	for (unsigned i = 0; i < m; i++) {
		unsigned v = ord[i] = i, j = i;
		while (j > 0 && ew[ord[j - 1]] > ew[v]) {
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = v;
	}
}

static unsigned find(unsigned *parent, unsigned x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static unsigned node_size(const struct dendro *t, unsigned node)
{
	return node < t->n ? 1 : t->size[node - t->n];
}

/* Merges along the sorted edges; returns the root node. */
static unsigned merge(struct dendro *t, const unsigned *eu, const unsigned *ev,
		      const unsigned *ord, unsigned *parent, unsigned *set_node)
{
	unsigned n = t->n, root = 0;
	for (unsigned i = 0; i < n; i++)
		parent[i] = set_node[i] = i;
	for (unsigned e = 0; e + 1 < n; e++) {
		unsigned a = find(parent, eu[ord[e]]), b = find(parent, ev[ord[e]]);
		unsigned m = e;
		t->left[m] = set_node[a];
		t->right[m] = set_node[b];
		t->size[m] = node_size(t, set_node[a]) + node_size(t, set_node[b]);
		parent[b] = a;
		set_node[a] = root = n + m;
	}
	return root;
}

/* Appends the leaves under node to order (left to right). */
static unsigned leaves(const struct dendro *t, unsigned node, unsigned *order, unsigned *stack)
{
	unsigned top = 0, k = 0;
	stack[top++] = node;
	while (top > 0) {
		unsigned v = stack[--top];
		if (v < t->n) {
			order[k++] = v;
			continue;
		}
		stack[top++] = t->right[v - t->n];
		stack[top++] = t->left[v - t->n];
	}
	return k;
}

unsigned kitnet_cluster(const double *dist, unsigned n, unsigned max_size, unsigned *order,
			unsigned *sizes, unsigned *work, double *dwork)
{
	unsigned *in_tree = work, *from = work + n, *eu = work + 2 * n, *ev = work + 3 * n;
	unsigned *ord = work + 4 * n, *parent = work + 5 * n, *set_node = work + 6 * n;
	struct dendro t = { n, work + 7 * n, work + 8 * n, work + 9 * n };
	unsigned *stack = work + 10 * n, *stack2 = work + 12 * n + 2;
	spanning_tree(dist, n, in_tree, from, eu, ev, dwork, dwork + n);
	sort_edges(dwork + n, n - 1, ord);
	unsigned root = merge(&t, eu, ev, ord, parent, set_node);
	unsigned top = 0, done = 0, nc = 0;
	stack[top++] = root;
	while (top > 0) {
		unsigned v = stack[--top];
		if (node_size(&t, v) <= max_size || v < n) {
			sizes[nc++] = leaves(&t, v, order + done, stack2);
			done += sizes[nc - 1];
			continue;
		}
		stack[top++] = t.right[v - n];
		stack[top++] = t.left[v - n];
	}
	return nc;
}
