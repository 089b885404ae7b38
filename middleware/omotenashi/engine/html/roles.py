"""The ``role`` values that make an element a control to assistive technology, where the why
note's "i" never goes (tree.NOTELESS_NAMES for the elements that are one by their name)."""

from __future__ import annotations

# Roles that make an element a control, an image or a heading to assistive technology (WAI-ARIA
# 1.2): an "i" inside one is read as part of its name, and a click on it reaches the control's
# own handler (a11y68: in a card with role="link", Enter on the "i" followed the link), as in
# the elements of tree.NOTELESS_NAMES.
CONTROL_ROLES = frozenset(
    "button checkbox combobox heading img image link listbox menuitem menuitemcheckbox "
    "menuitemradio meter option progressbar radio scrollbar searchbox separator slider "
    "spinbutton switch tab textbox treeitem".split()
)
