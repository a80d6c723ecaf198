// The client half of the CORS policy extension: it starts `corsfmt lsp`
// for .cors and .fixtures files and leaves everything else to the server.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function newClient(): LanguageClient {
  const command = vscode.workspace.getConfiguration("corsfmt").get<string>("path") || "corsfmt";
  const server: ServerOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const options: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "cors" },
      { scheme: "file", language: "cors-fixtures" },
      { scheme: "untitled", language: "cors" },
    ],
  };
  return new LanguageClient("corsfmt", "corsfmt lsp", server, options);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = newClient();
  context.subscriptions.push(
    vscode.commands.registerCommand("corsfmt.restartServer", async () => {
      await client?.stop();
      client = newClient();
      await client.start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("corsfmt.path")) {
        await vscode.commands.executeCommand("corsfmt.restartServer");
      }
    }),
  );
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `corsfmt lsp did not start (${err}). Install corsfmt (go install github.com/corspolicy/cors/corsfmt@latest) or set corsfmt.path.`,
    );
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
