# SPDX-License-Identifier: GPL-3.0-or-later
'''org.freedesktop.ScreenSaver as KDE Plasma offers it, for the presence
tests: GetActive, GetSessionIdleTime (milliseconds, as KDE gives it, set
with Mock.UpdateProperties on IdleMs), ActiveChanged sent by the test.'''

BUS_NAME = 'org.freedesktop.ScreenSaver'
MAIN_OBJ = '/ScreenSaver'
MAIN_IFACE = 'org.freedesktop.ScreenSaver'
SYSTEM_BUS = False


def load(mock, parameters):
    mock.AddProperties(MAIN_IFACE, {'Active': False, 'IdleMs': 0})
    mock.AddMethods(MAIN_IFACE, [
        ('GetActive', '', 'b', 'ret = self.Get("org.freedesktop.ScreenSaver", "Active")'),
        ('GetSessionIdleTime', '', 'u',
         'ret = self.Get("org.freedesktop.ScreenSaver", "IdleMs")'),
    ])
