# SPDX-License-Identifier: GPL-3.0-or-later
'''GNOME's org.gnome.Mutter.IdleMonitor for the presence tests: the idle
watch is watch 1, the user-active watch 2; the test fires WatchFired.'''

BUS_NAME = 'org.gnome.Mutter.IdleMonitor'
MAIN_OBJ = '/org/gnome/Mutter/IdleMonitor/Core'
MAIN_IFACE = 'org.gnome.Mutter.IdleMonitor'
SYSTEM_BUS = False


def load(mock, parameters):
    mock.AddMethods(MAIN_IFACE, [
        ('AddIdleWatch', 't', 'u', 'ret = 1'),
        ('AddUserActiveWatch', '', 'u', 'ret = 2'),
        ('RemoveWatch', 'u', '', ''),
        ('GetIdletime', '', 't', 'ret = 0'),
    ])
