"""The mailbox: drafts into the account's Drafts folder, and what was sent and who replied read
back from Sent and the Inbox, over IMAP.

Everything here is optional. Without a ``Mail server`` in Settings the tool never connects to
anything. The modules split as the work does: :mod:`.account` signs in, :mod:`.password` finds
the password, :mod:`.folders` finds the folders, :mod:`.headers` reads what a run needs of
the messages, :mod:`.sightings` turns that into Log lines and replies (no I/O), and
:mod:`.drafts_box` puts the drafts in and takes the tool's own stale ones out.
"""
