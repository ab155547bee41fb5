// Send to customer: recipient and message, the email as it would be sent, then its delivery status.
import { Box, Button, Flex, Input, Modal, Text, Textarea } from '@bigcommerce/big-design';
import { useEffect, useState } from 'react';
import { api, describe, newIdempotencyKey } from '../../api/client';
import type { Notification, SendPreview } from '../../api/types';
import { ErrorBox, When } from '../common';

interface Props {
  isOpen: boolean;
  cartId: string;
  defaultEmail: string | null;
  onClose(): void;
  onSent(): void;
}

const FINAL = new Set(['sent', 'failed', 'clicked', 'bounced', 'blocked']);

export function SendModal({ isOpen, cartId, defaultEmail, onClose, onSent }: Props) {
  const [email, setEmail] = useState(defaultEmail ?? '');
  const [message, setMessage] = useState('');
  const [preview, setPreview] = useState<SendPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notices, setNotices] = useState<Notification[] | null>(null);
  const [sentId, setSentId] = useState<string | null>(null);

  useEffect(() => {
    if (isOpen) { setEmail(defaultEmail ?? ''); setPreview(null); setProblem(null); setSentId(null); }
  }, [isOpen, defaultEmail]);

  const loadNotices = async () => {
    try {
      const result = await api.get<{ items: Notification[] }>('/api/notifications', { cart_id: cartId });
      setNotices(result.items);
      return result.items;
    } catch {
      return null;
    }
  };

  useEffect(() => { if (isOpen) void loadNotices(); }, [isOpen]);

  // After sending, follow the notice until it is sent or failed.
  useEffect(() => {
    if (!sentId) return;
    let rounds = 0;
    const timer = window.setInterval(async () => {
      rounds += 1;
      const items = await loadNotices();
      const notice = items?.find((n) => n.id === sentId) ?? items?.[0];
      if ((notice && FINAL.has(notice.status)) || rounds > 30) window.clearInterval(timer);
    }, 1500);
    return () => window.clearInterval(timer);
  }, [sentId]);

  const showPreview = async () => {
    setProblem(null);
    try {
      setPreview(await api.get<SendPreview>(`/api/carts/${cartId}/send/preview`, { message, email: email.trim() }));
    } catch (exc) {
      setProblem(describe(exc));
    }
  };

  const send = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const body: Record<string, string> = {};
      if (email.trim()) body.email = email.trim();
      if (message.trim()) body.message = message.trim();
      const result = await api.post<{ notification?: { id: string } }>(`/api/carts/${cartId}/send`, body, newIdempotencyKey());
      setSentId(result?.notification?.id ?? 'latest');
      onSent();
      await loadNotices();
    } catch (exc) {
      setProblem(describe(exc));
    } finally {
      setBusy(false);
    }
  };

  const current = sentId ? notices?.find((n) => n.id === sentId) ?? notices?.[0] : null;
  return (
    <Modal isOpen={isOpen} onClose={onClose} header="Send cart to customer" closeOnEscKey
      actions={[
        { text: 'Close', variant: 'subtle', onClick: onClose },
        { text: 'Preview', variant: 'secondary', onClick: () => void showPreview() },
        { text: sentId ? 'Send again' : 'Send', onClick: () => void send(), isLoading: busy, disabled: !email.trim() },
      ]}>
      <Box marginBottom="medium">
        <Input label="Recipient" type="email" required value={email} onChange={(e) => setEmail(e.target.value)}
          description="The shopper receives the cart with a link to complete checkout." />
      </Box>
      <Box marginBottom="medium">
        <Textarea label="Message" rows={3} maxLength={2000} value={message} onChange={(e) => setMessage(e.target.value)}
          placeholder="Optional: a personal note shown above the cart." />
      </Box>
      {problem && <ErrorBox header="Not sent" text={problem} />}
      {current && (
        <Box marginBottom="medium" role="status" aria-live="polite">
          <Text bold>Status: <span data-testid="send-status">{current.status}</span>
            {current.error ? ` — ${current.error}` : ''}</Text>
        </Box>
      )}
      {preview && (
        <Box border="box" borderRadius="normal" padding="small" marginBottom="medium">
          <Text marginBottom="xxSmall"><strong>To:</strong> {preview.to ?? email}</Text>
          <Text><strong>Subject:</strong> {preview.subject}</Text>
          {/* The email's HTML in a sandbox: no scripts, no access to the app. */}
          <iframe title="Email preview" sandbox="" srcDoc={preview.html} style={{ width: '100%', height: 320, border: 0 }} />
        </Box>
      )}
      {notices && notices.length > 0 && (
        <Box>
          <Text bold marginBottom="xxSmall">Sent before</Text>
          {notices.slice(0, 5).map((n) => (
            <Flex key={n.id} justifyContent="space-between"><Text marginBottom="none">{n.recipient} · {n.status}</Text>
              <Text marginBottom="none" color="secondary60"><When iso={n.sent_at ?? n.created_at ?? null} /></Text></Flex>
          ))}
        </Box>
      )}
      {!notices && <Button variant="subtle" onClick={() => void loadNotices()}>Show earlier sends</Button>}
    </Modal>
  );
}
