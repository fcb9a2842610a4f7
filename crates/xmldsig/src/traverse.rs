//! Iterative depth-first traversal: input depth never becomes stack depth.

use roxmltree::Node;

/// Entering or leaving a node.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Edge<'a, 'input> {
    Open(Node<'a, 'input>),
    Close(Node<'a, 'input>),
}

/// Every node of the subtree of `apex`, in document order, as open and close edges.
pub(crate) fn traverse<'a, 'input>(apex: Node<'a, 'input>) -> Traverse<'a, 'input> {
    Traverse {
        apex,
        next: Some(Edge::Open(apex)),
    }
}

pub(crate) struct Traverse<'a, 'input> {
    apex: Node<'a, 'input>,
    next: Option<Edge<'a, 'input>>,
}

impl<'a, 'input> Iterator for Traverse<'a, 'input> {
    type Item = Edge<'a, 'input>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let current = self.next.take()?;
        self.next = match current {
            Edge::Open(node) => Some(node.first_child().map_or(Edge::Close(node), Edge::Open)),
            Edge::Close(node) if node == self.apex => None,
            Edge::Close(node) => node
                .next_sibling()
                .map(Edge::Open)
                .or_else(|| node.parent().map(Edge::Close)),
        };
        Some(current)
    }
}
