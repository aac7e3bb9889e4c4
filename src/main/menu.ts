import { Menu, type MenuItemConstructorOptions } from 'electron';

/** The application menu: standard roles plus Quit, which goes through the graceful shutdown in index.ts. */
export function setupMenu(quit: () => void): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [{ label: 'Quit Jobdeck', accelerator: 'CmdOrCtrl+Q', click: quit }],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
