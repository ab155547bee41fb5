// Small pieces every page uses: loading and error states, the relative time with its exact time on hover.
import { Box, Flex, Message, ProgressCircle, Small, Text, Tooltip } from '@bigcommerce/big-design';
import { useContext } from 'react';
import { exactTime, relativeTime } from '../lib/dates';
import { MeContext } from './me';

export function Loading({ label }: { label: string }) {
  return (
    <Flex justifyContent="center" alignItems="center" padding="xLarge" role="status" aria-live="polite">
      <ProgressCircle size="medium" />
      <Box marginLeft="small"><Text>{label}</Text></Box>
    </Flex>
  );
}

export function ErrorBox({ header, text, onRetry }: { header: string; text: string; onRetry?: () => void }) {
  return (
    <Box marginBottom="medium">
      <Message
        type="error"
        header={header}
        messages={[{ text }]}
        actions={onRetry ? [{ text: 'Try again', onClick: onRetry }] : undefined}
      />
    </Box>
  );
}

export function When({ iso }: { iso: string | null | undefined }) {
  const me = useContext(MeContext);
  const exact = exactTime(iso, me?.store?.timezone ?? undefined);
  return (
    <Tooltip placement="top" trigger={<time dateTime={iso ?? undefined} title={exact} tabIndex={0}>{relativeTime(iso)}</time>}>
      {/* BigDesign's tooltip has no role of its own. */}
      <Small color="white" marginBottom="none"><span role="tooltip">{exact}</span></Small>
    </Tooltip>
  );
}
