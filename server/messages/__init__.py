"""Group messages, history, recall, read state (:mod:`.send`), and AVChatRoom live rooms
(:mod:`.rooms`). The handlers of :mod:`.send` register in the op table when the node
imports it."""
